#pragma once
// The lab's verbs: up, down, status, and supervising one more process in a running lab.
// Everything is found again from the prefix (lab_names.h), so every verb works from a fresh process.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/topology/lab_config.h"
#include "lab/topology/lab_state.h"
#include "lab/topology/process.h"

namespace nf::lab {

struct UpOptions {
    // Where failover-vmm and failoverd are looked up; empty: next to the running binary, then $PATH.
    std::vector<std::filesystem::path> binary_dirs;
    std::chrono::milliseconds vmm_ready_timeout{10'000};    // QMP socket accepts connections
    std::chrono::milliseconds guest_ready_timeout{10'000};  // failoverd's control socket, then its master
};

// Where the lab finds failover-vmm and failoverd: in `binary_dirs` when given, else next to the running
// binary, then in $PATH.
std::optional<std::filesystem::path> locate_lab_binary(const std::string& name,
                                                       const std::vector<std::filesystem::path>& binary_dirs);

// Builds the topology and starts each VM's VMM (in its host's netns, cgroup netfailover/<prefix>/vmm.<vm>)
// and failoverd (in the VM's netns and cgroup), as docs/lab-contract.md writes them, then puts the VM's IP
// on the master. Idempotent: a running lab with the same config is left as is, dead processes are restarted.
// Throws ConfigError, before anything is created, for a bad config, a missing binary with start=true, or a
// lab of this prefix that is up with another config. If a lab that did not exist fails half way, it is
// torn down again before the error is thrown.
void lab_up(const LabConfig& config, const UpOptions& options = {});

struct DownReport {
    std::vector<std::string> processes;   // stopped (SIGTERM, then SIGKILL after a grace period)
    std::vector<std::string> cgroups;     // killed (cgroup.kill) and removed
    std::vector<std::string> namespaces;  // /run/netns/<prefix>-* removed
    bool run_dir_removed = false;
    bool nothing_to_do() const;
};

// Removes everything of the lab `prefix` from the prefix alone (also after a crash with no state file):
// processes of the state file, everything in netfailover/<prefix>/** (cgroup.kill), every netns
// <prefix>-*, those cgroups, and /run/netfailover/<prefix>/. Idempotent. Best effort: it goes on after a
// failure and throws the first one at the end. A malformed prefix is a ConfigError (never a wildcard).
DownReport lab_down(const std::string& prefix, std::chrono::milliseconds grace = std::chrono::seconds(3));

// Starts one more process in a running lab and records it in the state file, so status shows it and
// down stops it. spec.log defaults to /run/netfailover/<prefix>/logs/<spec.name>.log.
ProcessRecord lab_supervise(const std::string& prefix, ProcessSpec spec);

struct LabStatus {
    std::string prefix;
    std::optional<LabState> state;        // nullopt: no state file (down, never up, or crashed early)
    std::vector<std::string> namespaces;  // <prefix>-* that exist now
    std::vector<std::string> cgroups;     // netfailover/<prefix>/** that exist now
};

LabStatus lab_status(const std::string& prefix);
// `failover-lab status --json`: hosts, clients and VMs with IPs, MAC, QMP socket, standby_id, primary_id,
// and whether each namespace and process is alive.
nlohmann::json to_json(const LabStatus& status);
std::string to_text(const LabStatus& status);

// Checks a prefix given on its own (down --prefix, status --prefix): ConfigError naming `prefix`.
void validate_prefix(const std::string& prefix);
// Existing namespaces named <prefix>-*, and existing cgroups below netfailover/<prefix> (deepest first).
std::vector<std::string> lab_namespaces(const std::string& prefix);
std::vector<std::string> lab_cgroups(const std::string& prefix);

}  // namespace nf::lab
