#pragma once
// `--device pcie-root-port,id=rootN,slot=N`: QEMU's way of giving a root port its Physical Slot Number. The
// lab machine's root ports root0..root3 exist already (device/bus.h), so the item sets the slot of one of
// them instead of creating a port. A host gives a trusted VF its id this way: the slot of the port it plugs
// the VF on, which a guest with native PCIe hotplug lists as /sys/bus/pci/slots/<N> (failoverd
// --primary-id slot:N); QMP `qom-get /machine/peripheral/rootN slot` reads it back, as on QEMU.
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace nf::vmm {

inline constexpr const char* kRootPortDriver = "pcie-root-port";

// Takes a parsed `--device` item whose driver is pcie-root-port into `slots` (root port id -> slot).
// Accepted keys: id (root0..root<root_ports-1>), slot (1..8191, decimal), and QEMU's chassis= and
// bus=pcie.0, which the lab machine fixes. Throws ConfigError naming the problem for anything else, an id
// given twice or a slot number two ports share (QEMU refuses a duplicate chassis/slot pair too).
void take_root_port(const nlohmann::json& item, int root_ports, std::map<std::string, int>& slots);

}  // namespace nf::vmm
