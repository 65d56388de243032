#pragma once
// Every name and path the lab makes, in one place (docs/lab-contract.md, "Topology"). Down finds
// everything from the prefix alone through these, so they depend on nothing but the prefix and the names.
#include <filesystem>
#include <string>

namespace nf::lab {

// Interface names, fixed by the contract.
inline constexpr const char* kTorBridge = "tor0";    // in <prefix>-tor
inline constexpr const char* kHostBridge = "esw0";   // in each host: the NIC's embedded switch
inline constexpr const char* kHostUplink = "up0";    // host end of the host ↔ ToR veth
inline constexpr const char* kClientLink = "eth0";   // client end of the client ↔ ToR veth
inline constexpr const char* kRunRoot = "/run/netfailover";
inline constexpr const char* kCgroupRoot = "netfailover";  // below the cgroup2 mount

// The state file's process names: the VM's current VMM, a migration's destination VMM while it runs,
// and failoverd.
inline std::string vmm_process_name(const std::string& vm) { return "vmm-" + vm; }
inline std::string incoming_vmm_process_name(const std::string& vm) { return "vmm-" + vm + ".incoming"; }
inline std::string guest_process_name(const std::string& vm) { return "guest-" + vm; }

class LabNames {
public:
    explicit LabNames(std::string prefix) : prefix_(std::move(prefix)) {}
    const std::string& prefix() const { return prefix_; }

    // Namespaces: "<prefix>-tor", "<prefix>-<host|client|vm>"; "<prefix>-" starts every one of them.
    std::string netns_glob_prefix() const { return prefix_ + "-"; }
    std::string tor_netns() const { return prefix_ + "-tor"; }
    std::string netns(const std::string& name) const { return prefix_ + "-" + name; }

    // ToR ports (in <prefix>-tor): "h-<host>" to a host's up0, "c-<client>" to a client's eth0.
    static std::string tor_port_for_host(const std::string& host) { return "h-" + host; }
    static std::string tor_port_for_client(const std::string& client) { return "c-" + client; }
    // The VF pair in the VM's host: "vf-<vm>" is the esw0 port, "vf-<vm>g" the VF netdev the VMM plugs.
    static std::string vf_port(const std::string& vm) { return "vf-" + vm; }
    static std::string vf_netdev(const std::string& vm) { return "vf-" + vm + "g"; }

    // Cgroups, relative to the cgroup2 mount: netfailover/<prefix>/<vm> (the VM) and
    // netfailover/<prefix>/vmm.<vm> (its VMM: '.' cannot occur in a VM name, so they never clash).
    std::string cgroup_group() const { return std::string(kCgroupRoot) + "/" + prefix_; }
    std::string vm_cgroup(const std::string& vm) const { return cgroup_group() + "/" + vm; }
    std::string vmm_cgroup(const std::string& vm) const { return cgroup_group() + "/vmm." + vm; }

    // Run files: /run/netfailover/<prefix>/{state.json, logs/, <vm>.qmp, <vm>.chan, <vm>-failoverd.sock}.
    std::filesystem::path run_dir() const { return std::filesystem::path(kRunRoot) / prefix_; }
    std::filesystem::path state_file() const { return run_dir() / "state.json"; }
    std::filesystem::path logs_dir() const { return run_dir() / "logs"; }
    std::filesystem::path log_file(const std::string& process) const { return logs_dir() / (process + ".log"); }
    std::filesystem::path qmp_socket(const std::string& vm) const { return run_dir() / (vm + ".qmp"); }
    // The VM's QMP socket while its VMM runs on `host`: <vm>.qmp on the VM's configured host `home`,
    // <vm>.<host>.qmp elsewhere (a migration's source and destination VMM never share a path; names have no '.').
    std::filesystem::path qmp_socket(const std::string& vm, const std::string& host, const std::string& home) const {
        return host == home ? qmp_socket(vm) : run_dir() / (vm + "." + host + ".qmp");
    }
    // The migration stream's socket (failover-vmm --incoming unix:PATH): reachable from every namespace.
    std::filesystem::path migration_socket(const std::string& vm) const { return run_dir() / (vm + ".mig"); }
    std::filesystem::path channel_socket(const std::string& vm) const { return run_dir() / (vm + ".chan"); }
    std::filesystem::path failoverd_control(const std::string& vm) const {
        return run_dir() / (vm + "-failoverd.sock");
    }

private:
    std::string prefix_;
};

}  // namespace nf::lab
