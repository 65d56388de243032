#pragma once
// The world a failover-vmm runs in, built fresh per test and removed even when the test fails:
//   nfv<id>h  the host: bridge br0 (10.88.0.1/24), VFs vf-vm1g (52:54:00:00:00:01) and vf-vm1bg
//             (52:54:00:00:00:02) whose peers vf-vm1 / vf-vm1b are ports of br0
//   nfv<id>g  the VM (empty: the VMM fills it)
//   a cgroup nfv<id> under the cgroup2 mount, with one `sleep` in it (so freezing has something to freeze)
//   a run directory for the QMP and channel sockets and the VMM's log
// The VMM runs as a child process inside nfv<id>h.
#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "qmp/qmp_client.h"

namespace nf::vmm::test {

using namespace std::chrono_literals;

inline constexpr const char* kVmMac = "52:54:00:00:00:01";
inline constexpr const char* kVmMac2 = "52:54:00:00:00:02";
inline constexpr const char* kHostIp = "10.88.0.1";
inline constexpr const char* kVmIp = "10.88.0.2";

struct CommandResult {
    int status = -1;  // exit status, or -1 when killed by a signal
    std::string output;  // stdout + stderr
};

// Runs a shell command (fixture setup and observation only; the VMM itself uses nf_os).
CommandResult sh(const std::string& command);
// sh() that throws on a non-zero exit.
std::string sh_ok(const std::string& command);

class VmmLab {
public:
    VmmLab();
    ~VmmLab();
    VmmLab(const VmmLab&) = delete;
    VmmLab& operator=(const VmmLab&) = delete;

    const std::string& host_ns() const { return host_ns_; }
    const std::string& guest_ns() const { return guest_ns_; }
    const std::string& dir() const { return dir_; }
    std::string qmp_path() const { return dir_ + "/vm1.qmp"; }
    std::string channel_path() const { return dir_ + "/vm1.chan"; }
    std::string log_path() const { return dir_ + "/vmm.log"; }
    std::string cgroup_path() const { return cgroup_path_; }

    // `ip -j link show` of one namespace.
    std::optional<nlohmann::json> link(const std::string& ns, const std::string& name) const;
    std::vector<std::string> link_names(const std::string& ns) const;
    bool in_host(const std::string& name) const { return link(host_ns_, name).has_value(); }
    bool in_guest(const std::string& name) const { return link(guest_ns_, name).has_value(); }
    // Waits until `name` is (or is not) in the guest namespace.
    bool wait_guest_link(const std::string& name, bool present, std::chrono::milliseconds timeout = 3s) const;
    // Static FDB entries on br0 for `mac`: the port names they point at.
    std::vector<std::string> static_fdb_ports(const std::string& mac) const;
    bool cgroup_frozen() const;
    std::string guest(const std::string& command) const { return sh_ok("ip netns exec " + guest_ns_ + " " + command); }
    std::string host(const std::string& command) const { return sh_ok("ip netns exec " + host_ns_ + " " + command); }

private:
    void cleanup();

    std::string id_;
    std::string host_ns_;
    std::string guest_ns_;
    std::string dir_;
    std::string cgroup_rel_;
    std::string cgroup_path_;
    pid_t sleeper_ = -1;
};

// The standard command line of docs/lab-contract.md for this lab, minus --device items.
std::vector<std::string> base_arguments(const VmmLab& lab, const std::string& vf_filter = "stale");
std::string standby_device(const std::string& extra = "");  // virtio-net-pci,id=standby0,...,ifname=eth0
std::string primary_device(const std::string& extra = "");  // vfio-pci,id=primary0,host=vf-vm1g,...,ifname=ens4

// failover-vmm as a child process inside the lab's host namespace.
class VmmProcess {
public:
    // Starts it and waits for the QMP socket; throws (with the VMM's log) when it exits first.
    VmmProcess(const VmmLab& lab, std::vector<std::string> arguments);
    // Another VMM of the same VM (a migration's destination): its own QMP socket and log.
    VmmProcess(const VmmLab& lab, std::vector<std::string> arguments, std::string qmp_path, std::string log_path);
    ~VmmProcess();  // SIGKILL if still running
    VmmProcess(const VmmProcess&) = delete;
    VmmProcess& operator=(const VmmProcess&) = delete;

    pid_t pid() const { return pid_; }
    // A negotiated QMP client.
    qmp::QmpClient qmp() const;
    // SIGTERM and wait; the exit status (-1 if killed by a signal or timed out).
    int terminate(std::chrono::milliseconds timeout = 5s);
    std::string log() const;

private:
    const VmmLab& lab_;
    std::string qmp_path_;
    std::string log_path_;
    pid_t pid_ = -1;
};

// Runs failover-vmm to completion inside the host namespace (for bad arguments and --help).
CommandResult run_vmm(const VmmLab& lab, const std::vector<std::string>& arguments,
                      std::chrono::milliseconds timeout = 5s);

// query-pci: is a device with this qdev id listed (on any bus)?
bool pci_present(qmp::QmpClient& qmp, const std::string& id);
// The error description of a command that must fail.
std::string error_of(qmp::QmpClient& qmp, const std::string& command, const nlohmann::json& arguments);
// No event `name` arrives within `window`.
bool no_event(qmp::QmpClient& qmp, const std::string& name, std::chrono::milliseconds window = 300ms);

}  // namespace nf::vmm::test
