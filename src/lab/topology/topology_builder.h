#pragma once
// The lab's network and cgroups, built from a LabConfig (docs/lab-contract.md, "Topology"):
//
//   <prefix>-client: eth0 ──veth── c-client ┐
//                                           tor0 (bridge in <prefix>-tor)
//   <prefix>-hostA:  esw0 ── up0 ──veth── h-hostA ┘
//                     └── vf-vm1 ──veth── vf-vm1g (the VF: VM MAC, down, left for the VMM to plug)
//   <prefix>-vm1:    empty (the VMM and failoverd fill it); cgroups netfailover/<prefix>/{vm1,vmm.vm1}
//
// Idempotent: what exists is kept, what is missing is made, so building twice is harmless.
#include "lab/topology/lab_config.h"

namespace nf::lab {

void build_topology(const LabConfig& config);

}  // namespace nf::lab
