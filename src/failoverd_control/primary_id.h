#pragma once
// --primary-id SOURCE:VALUE: which id names the primary when the host does not give the VF the
// standby's MAC (a "trusted VF"). The sources and where each is read are the pair-id rules
// (pair_id_rules.h); this is the user's side: the forms, their limits and one canonical spelling.
#include <string>
#include <string_view>

namespace nf::daemon {

enum class PrimaryIdSource {
    slot,        // the PCI hotplug slot's name: /sys/bus/pci/slots/<name>/address = the device's address
    acpi_index,  // the firmware's ACPI _DSM index: /sys/bus/pci/devices/<addr>/acpi_index (QEMU acpi-index=)
    label,       // the firmware's label (SMBIOS type 41 / ACPI _DSM): /sys/bus/pci/devices/<addr>/label
    alias,       // the link's IFLA_IFALIAS (the lab's veth VFs; `ip link set X alias NAME`)
};

struct PrimaryId {
    PrimaryIdSource source = PrimaryIdSource::alias;
    std::string value;

    // "slot:4", "acpi-index:2", "label:vf0", "alias:vf0": what a netdev's pair id is compared with.
    std::string canonical() const;
    bool operator==(const PrimaryId&) const = default;
};

std::string_view to_string(PrimaryIdSource source);

inline constexpr std::size_t kMaxSlotNameLength = 64;     // slot names are short ("4", "0-2", "PCIe slot 3" fits)
inline constexpr std::size_t kMaxLabelLength = 128;       // SMBIOS strings are at most 64 in practice
inline constexpr std::size_t kMaxAliasLength = 255;       // IFALIASZ - 1

// Parses SOURCE:VALUE; throws ConfigError naming `field` and the accepted forms. An acpi index is a
// decimal 1..4294967295 (0 means "none" to the firmware), written back without leading zeros; slot names,
// labels and aliases are printable ASCII (a label or alias may hold spaces) of bounded length.
PrimaryId parse_primary_id(std::string_view field, std::string_view text);

}  // namespace nf::daemon
