#include "device/driver_catalog.h"

#include <algorithm>
#include <array>

namespace nf::device {

namespace {
// Properties every PCI device takes (qdev + PCIDevice), incl. failover_pair_id.
constexpr std::array<std::string_view, 8> kCommonProperties{
    "driver", "id", "bus", "addr", "multifunction", "failover_pair_id", "rombar", "romfile"};

const std::vector<DriverInfo>& catalog() {
    // vfio-pci takes `mac` here although QEMU's does not: in the lab the "VF" is a veth whose address the
    // host sets, as an admin would with `ip link set <pf> vf N mac`.
    static const std::vector<DriverInfo> drivers{
        {"virtio-net-pci", 0x1af4, 0x1041, kPciClassEthernet, "Ethernet controller", true,
         {"mac", "netdev", "failover"}},
        {"vfio-pci", 0x8086, 0x154c, kPciClassEthernet, "Ethernet controller", false, {"host", "sysfsdev", "mac"}},
        {"e1000e", 0x8086, 0x10d3, kPciClassEthernet, "Ethernet controller", false, {"mac", "netdev"}},
        {"virtio-blk-pci", 0x1af4, 0x1042, 0x0100, "SCSI controller", false, {"drive"}},
    };
    return drivers;
}
}  // namespace

bool DriverInfo::accepts(std::string_view property) const {
    return std::ranges::find(kCommonProperties, property) != kCommonProperties.end() ||
           std::ranges::find(properties, property) != properties.end();
}

const DriverInfo* find_driver(std::string_view name) {
    if (name == "virtio-net") name = "virtio-net-pci";
    if (name == "virtio-blk") name = "virtio-blk-pci";
    for (const auto& driver : catalog())
        if (driver.name == name) return &driver;
    return nullptr;
}

}  // namespace nf::device
