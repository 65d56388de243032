#pragma once
// LabConfig: what failover-lab builds. A JSON file (strict: an unknown field is an error naming it) over
// the built-in default lab of docs/lab-contract.md; every field left out keeps its default.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/mac_address.h"
#include "os/ip_prefix.h"

namespace nf::lab {

// A host: a namespace with a bridge `esw0` (the NIC's embedded switch) uplinked to the ToR.
struct HostConfig {
    std::string name;
};

// A client: a namespace with `eth0` on a ToR port and an address in the lab subnet.
struct ClientConfig {
    std::string name;
    os::IpPrefix ip;
};

// The paravirtual NIC as QEMU/our VMM names it (`--device virtio-net-pci,id=...,bus=...`).
struct StandbyConfig {
    std::string id = "standby0";
    std::string bus = "root0";
    std::string ifname = "eth0";  // its name inside the guest; failoverd's --standby
};

// The passthrough VF (`--device <driver>,id=...,failover_pair_id=<standby id>,...`).
struct PrimaryConfig {
    std::string id = "primary0";
    std::string driver = "vfio-pci";
    std::string bus = "root1";
    std::string ifname = "ens4";  // its name inside the guest once plugged
    // A "trusted VF" (issue 13): the host does not give the VF the VM's MAC (it comes up with a random
    // one) and names it by an id instead, here its link alias (the VMM's `alias=`); failoverd pairs it by
    // that id (guest args `--primary-id alias:<alias>`) and gives it the standby's MAC. Both written out
    // only when set.
    std::string alias;        // empty: none
    bool random_mac = false;  // the VF veth gets the kernel's random MAC instead of the VM's
    // The Physical Slot Number of the VF's root port (`bus`), as QEMU's `pcie-root-port,slot=N`: the id a
    // guest with native PCIe hotplug would pair it by (`--primary-id slot:N`; the VMM's `--device
    // pcie-root-port,id=<bus>,slot=N`, read back by QMP qom-get). 0: none, not written out.
    int slot = 0;
};

struct VmConfig {
    std::string name;
    std::string host;  // name of a HostConfig: its VMM runs there, its VF hangs off that host's esw0
    MacAddress mac;    // the guest's MAC: standby, VF and failover master share it
    os::IpPrefix ip;   // put on the failover master by the lab once the guest has made it
    StandbyConfig standby;
    PrimaryConfig primary;
};

// How the NIC's MAC filter follows the VF: "moved" (failover-vmm --vf-filter while-bound, the fixed
// behaviour and the default) or "stale" (as QEMU leaves it, a variant); see docs/lab-contract.md.
enum class VfFilter { Stale, WhileBound };

struct GuestConfig {
    bool start = true;               // start failoverd in each VM
    std::vector<std::string> args;   // appended to failoverd's command line (e.g. "--datapath", "packet")
};

struct VmmConfig {
    bool start = true;  // start failover-vmm for each VM
};

struct LabConfig {
    std::string prefix = "nfl";  // every namespace is <prefix>-<name>; run files under /run/netfailover/<prefix>/
    os::IpPrefix subnet;         // the one L2 segment every client and VM sits in (10.0.0.0/8 only)
    std::vector<HostConfig> hosts;
    std::vector<ClientConfig> clients;
    std::vector<VmConfig> vms;
    VfFilter vf_filter = VfFilter::WhileBound;
    GuestConfig guest;
    VmmConfig vmm;

    const HostConfig* find_host(const std::string& name) const;
    const VmConfig* find_vm(const std::string& name) const;
};

// The built-in lab: prefix nfl, subnet 10.77.0.0/24, hostA + hostB, one client (10.77.0.100), vm1 on hostA
// (52:54:00:00:00:01, 10.77.0.10) with standby0/eth0 and primary0/ens4.
LabConfig default_lab_config();

// Strict parse over the defaults, then validation (names, MACs, addresses in the subnet, VMs on known
// hosts, uniqueness). Throws nf::ConfigError naming the field ("vms[0].mac: ..."). No side effects.
LabConfig parse_lab_config(const nlohmann::json& json);
LabConfig load_lab_config(const std::filesystem::path& file);
// The checks of parse_lab_config, for a config built in code.
void validate_lab_config(const LabConfig& config);

// Every field written out, in the order of the docs: parse_lab_config(to_json(c)) == c.
nlohmann::ordered_json to_json(const LabConfig& config);

// The config's name: "moved" or "stale".
const char* to_string(VfFilter filter);
// failover-vmm's --vf-filter for it: "while-bound" or "stale".
const char* vmm_policy(VfFilter filter);

}  // namespace nf::lab
