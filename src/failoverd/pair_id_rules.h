#pragma once
// Where a netdev's pair id comes from (--primary-id SOURCE:VALUE): one rule per source, each in its own
// file, like the standby rules. A rule reads the netdev's id in the canonical form PrimaryId::canonical()
// gives ("slot:4"), or nullopt when the netdev has none from that source; failoverd puts it in the
// netdev's pair_id, which the failover core compares with the configured id.
#include <memory>
#include <optional>
#include <string>

#include "failoverd/pci_sysfs.h"
#include "failoverd_control/primary_id.h"

namespace nf::daemon {

// What the rules need to know about a netdev, from rtnetlink.
struct PrimaryFacts {
    std::string name;
    std::string parent;      // IFLA_PARENT_DEV_NAME: the PCI address when parent_bus is "pci"
    std::string parent_bus;  // IFLA_PARENT_DEV_BUS_NAME
    std::string alias;       // IFLA_IFALIAS
};

class PairIdRule {
public:
    virtual ~PairIdRule() = default;
    virtual PrimaryIdSource source() const = 0;
    // The netdev's id from this source, canonical ("slot:4"); nullopt when it has none.
    virtual std::optional<std::string> read(const PrimaryFacts& facts) const = 0;
    // Whether read() looks at sysfs (its answer is then cached per device) or only at the facts.
    virtual bool reads_sysfs() const = 0;
};

// PCI hotplug slot: the slot whose address is the device's bus:device (ACPI slots "0", "0-2" in a QEMU
// q35 guest with ACPI hotplug; the root port's `slot=` number with native PCIe hotplug).
std::unique_ptr<PairIdRule> slot_rule(PciSysfs sysfs);
// The device's acpi_index attribute (QEMU's acpi-index= property; what udev names eno<N> after).
std::unique_ptr<PairIdRule> acpi_index_rule(PciSysfs sysfs);
// The device's firmware label attribute (SMBIOS type 41 or the ACPI _DSM label).
std::unique_ptr<PairIdRule> label_rule(PciSysfs sysfs);
// The link's alias (IFLA_IFALIAS): no sysfs; the lab's veth VFs carry their id there.
std::unique_ptr<PairIdRule> alias_rule();

std::unique_ptr<PairIdRule> make_pair_id_rule(PrimaryIdSource source, PciSysfs sysfs = PciSysfs());

// The PCI address of a netdev's device, when it sits on PCI ("" otherwise).
inline std::string pci_address(const PrimaryFacts& facts) {
    return facts.parent_bus == "pci" && PciSysfs::valid_address(facts.parent) ? facts.parent : std::string();
}

}  // namespace nf::daemon
