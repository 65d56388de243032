#pragma once
// The command lines of the lab's processes, exactly as docs/lab-contract.md writes them.
#include <filesystem>
#include <string>
#include <vector>

#include "lab/topology/lab_config.h"

namespace nf::lab {

inline constexpr const char* kVmmBinary = "failover-vmm";
inline constexpr const char* kGuestBinary = "failoverd";

// failover-vmm --name vm1 --qmp ... --device vfio-pci,...; argv[0] is `binary`. `cgroup_mount` is the
// cgroup2 mount point (its --cgroup is <mount>/netfailover/<prefix>/<vm>).
std::vector<std::string> vmm_command_line(const LabConfig& config, const VmConfig& vm, const std::string& binary,
                                          const std::filesystem::path& cgroup_mount);
// failoverd --standby eth0 --device-channel ... --foreground --control ... <guest.args>
std::vector<std::string> guest_command_line(const LabConfig& config, const VmConfig& vm, const std::string& binary);

}  // namespace nf::lab
