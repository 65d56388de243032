#include "device/bus.h"

namespace nf::device {

std::vector<Bus> build_buses(const MachineTopology& topology) {
    std::vector<Bus> buses;
    buses.push_back({"pcie.0", BusKind::RootComplex, 0, -1, ""});
    int number = 1;
    for (int i = 0; i < topology.root_ports; ++i) {
        const std::string name = "root" + std::to_string(i);
        buses.push_back({name, BusKind::RootPort, number++, i + 1, name});
        if (const auto slot = topology.root_port_slots.find(name); slot != topology.root_port_slots.end())
            buses.back().physical_slot = slot->second;
    }
    if (topology.conventional_bus)
        buses.push_back({"pci.1", BusKind::Conventional, number, topology.root_ports + 1, "pci-bridge0"});
    return buses;
}

}  // namespace nf::device
