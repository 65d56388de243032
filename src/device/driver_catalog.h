#pragma once
// The device models the lab VMM accepts in device_add, with the PCI identity query-pci reports.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nf::device {

inline constexpr std::uint16_t kPciClassEthernet = 0x0200;

struct DriverInfo {
    std::string name;             // canonical model name
    std::uint16_t vendor;
    std::uint16_t device;
    std::uint16_t class_code;     // base class << 8 | subclass
    std::string class_desc;       // as QEMU prints it in query-pci
    bool virtio_net;              // a standby candidate (has `failover`)
    std::vector<std::string> properties;  // accepted beyond the common ones

    bool is_ethernet() const { return class_code == kPciClassEthernet; }
    bool accepts(std::string_view property) const;
};

// Finds a model by name or alias ("virtio-net" is virtio-net-pci, as in QEMU on a PCI machine).
const DriverInfo* find_driver(std::string_view name);

}  // namespace nf::device
