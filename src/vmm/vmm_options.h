#pragma once
// What failover-vmm is told on its command line (docs/lab-contract.md), parsed and checked before anything
// is created: a bad argument is a ConfigError naming the problem, and the VMM then exits having made nothing.
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/unix_socket.h"
#include "device/machine.h"

namespace nf::vmm {

// How the host NIC's MAC filter (a static FDB entry on the host bridge) follows the VF.
enum class VfFilterPolicy {
    Stale,       // installed at plug, kept across unplug: frames for the VM go to a VF that is gone (QEMU's gap)
    WhileBound,  // installed only while the VF is up in the guest, as ice/mlx5 do
};
std::string to_string(VfFilterPolicy policy);

// `--netdev bridge,id=X,br=BR`: a PV backend port on the host bridge BR.
struct NetdevSpec {
    std::string id;
    std::string bridge;
};

struct VmmOptions {
    std::string name;            // the VM's name; prefixes the links the VMM creates (<name>-pv, ...)
    std::string qmp_path;
    std::string channel_path;    // empty: no device channel (the guest can never ack STANDBY)
    SocketAccess socket_access;  // --socket-group: who besides root may use the QMP and channel sockets
    std::string guest_netns;     // a name under /run/netns, or a path
    std::string cgroup;          // relative to the cgroup2 mount, or an absolute path under it; empty: none
    VfFilterPolicy vf_filter = VfFilterPolicy::Stale;
    device::ResetPolicy reset_policy = device::ResetPolicy::RehidePrimary;
    std::vector<NetdevSpec> netdevs;
    std::vector<nlohmann::json> devices;  // `--device` items as device_add arguments, in command-line order
    std::map<std::string, int> root_port_slots;  // `--device pcie-root-port,id=rootN,slot=N` (root_port.h)
    std::string log_level;  // empty: NF_LOG_LEVEL, else info
    // --incoming URI|defer: this VMM is a live migration's destination (QEMU's -incoming). Empty: not.
    std::string incoming;
};

// The links a VM's VMM names after it must fit IFNAMSIZ: "<name>-pvh" etc.
inline constexpr std::size_t kMaxVmNameLength = 10;

// Parses argv. Returns nullopt after printing --help / --version (exit 0). Throws ConfigError (or
// CLI11's errors, which main reports) on bad arguments.
std::optional<VmmOptions> parse_command_line(int argc, char** argv);

// Checks a parsed option set (also used by tests that build options in code).
void validate(const VmmOptions& options);

// The --help text: every option, the device syntax, examples.
const char* help_text();

}  // namespace nf::vmm
