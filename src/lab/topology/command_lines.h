#pragma once
// The command lines of the lab's processes, exactly as docs/lab-contract.md writes them.
#include <filesystem>
#include <string>
#include <vector>

#include "lab/topology/lab_config.h"

namespace nf::lab {

inline constexpr const char* kVmmBinary = "failover-vmm";
inline constexpr const char* kGuestBinary = "failoverd";

// One VMM of a VM: its QMP socket, and for a migration's destination the URI it listens on (--incoming).
struct VmmInstance {
    std::filesystem::path qmp;
    std::string incoming;  // empty: not a destination
};

// The log of a VM's VMM on `host`: vmm-<vm> on its configured host, vmm-<vm>.<host> on another one
// (both are appended to, so a VM that migrates back and forth keeps one log per host).
std::string vmm_log_name(const VmConfig& vm, const std::string& host);

// failover-vmm --name vm1 --qmp ... --device vfio-pci,...; argv[0] is `binary`. `cgroup_mount` is the
// cgroup2 mount point (its --cgroup is <mount>/netfailover/<prefix>/<vm>). Without `instance`: the VM's
// first VMM, QMP on <run dir>/<vm>.qmp. With it: that QMP path, and `--incoming URI` appended.
std::vector<std::string> vmm_command_line(const LabConfig& config, const VmConfig& vm, const std::string& binary,
                                          const std::filesystem::path& cgroup_mount);
std::vector<std::string> vmm_command_line(const LabConfig& config, const VmConfig& vm, const std::string& binary,
                                          const std::filesystem::path& cgroup_mount, const VmmInstance& instance);
// failoverd --standby eth0 --device-channel ... --foreground --control ... <guest.args>
std::vector<std::string> guest_command_line(const LabConfig& config, const VmConfig& vm, const std::string& binary);

}  // namespace nf::lab
