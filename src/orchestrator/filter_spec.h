#pragma once
// --source-filter / --destination-filter: which host NIC MAC filter to move, as KIND:key=value,...
//   fdb:bridge=BR,vf=PORT,pv=PORT[,netns=NS][,vlan=N]   a static FDB entry on a Linux bridge (the lab's NIC
//                                                        embedded switch): VF port ↔ PV (standby backend) port
//   vf-mac:pf=IF,vf=N[,netns=NS]                          an SR-IOV PF's VF N: its MAC (IFLA_VF_MAC), zeroed
//                                                        while the VM is away, set to the VM's MAC for it
#include <optional>
#include <string>

namespace nf::orchestrator {

struct FilterSpec {
    enum class Kind { Fdb, VfMac };
    Kind kind = Kind::Fdb;
    std::string netns;    // "" = the namespace failover-migrate runs in
    std::string bridge;   // fdb
    std::string vf_port;  // fdb: the VF's bridge port
    std::string pv_port;  // fdb: the standby backend's bridge port (tap, or the lab VMM's <vm>-pv)
    int vlan = 0;         // fdb: 0 = none
    std::string pf;       // vf-mac
    int vf_index = -1;    // vf-mac
};

// Throws std::invalid_argument naming the problem.
FilterSpec parse_filter_spec(const std::string& text);

}  // namespace nf::orchestrator
