#pragma once
// The PCI topology of the machine, as far as failover cares: is a bus PCI Express, can it take hotplug.
#include <map>
#include <string>
#include <vector>

namespace nf::device {

enum class BusKind {
    RootComplex,  // pcie.0 on q35: express, not hotpluggable
    RootPort,     // pcie-root-port rootN: express, hotpluggable, one slot
    Conventional, // behind a pcie-pci-bridge: not express, hotpluggable (SHPC)
};

struct Bus {
    std::string name;
    BusKind kind;
    int number;         // PCI bus number, as query-pci reports it
    int bridge_slot;    // slot of the bridge/root port on pcie.0 that owns this bus; -1 for pcie.0
    std::string bridge_id;  // qdev id of that bridge ("root0"); empty for pcie.0
    // A root port's Physical Slot Number (PCIe Slot Capabilities; QEMU's pcie-root-port `slot=`, 0 by
    // default): what a guest with native PCIe hotplug names the slot (/sys/bus/pci/slots/<N>), so the id a
    // host gives a trusted VF by the port it plugs it on. 0 for every other bus.
    int physical_slot = 0;

    bool is_express() const { return kind != BusKind::Conventional; }
    bool is_hotpluggable() const { return kind != BusKind::RootComplex; }
};

// The lab machine: q35-like, pcie.0 plus `root_ports` root ports root0..rootN-1 (slots 1..N on pcie.0) and,
// when asked, one conventional bus "pci.1" behind a pcie-pci-bridge (only used to exercise realize errors).
struct MachineTopology {
    int root_ports = 4;
    bool conventional_bus = true;
    std::map<std::string, int> root_port_slots;  // root port id ("root1") -> its slot= (failover-vmm --device pcie-root-port)
};

inline constexpr int kMaxPhysicalSlot = 8191;  // the Slot Capabilities field is 13 bits

std::vector<Bus> build_buses(const MachineTopology& topology);

}  // namespace nf::device
