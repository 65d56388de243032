#pragma once
// The lab's state file, /run/netfailover/<prefix>/state.json: the config it was built from and every
// process it started. A convenience, never the only truth: down works without it (see lab.h).
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/topology/lab_config.h"
#include "lab/topology/process.h"

namespace nf::lab {

// Where a VM runs now: the host its VMM runs on and that VMM's QMP socket (`failover-lab migrate` moves it).
struct Placement {
    std::string host;
    std::filesystem::path qmp;
    bool operator==(const Placement&) const = default;
};

struct LabState {
    LabConfig config;
    std::vector<ProcessRecord> processes;
    std::map<std::string, Placement> placements;  // by VM name; a VM not listed is on its configured host

    const ProcessRecord* find_process(const std::string& name) const;
    // Replaces a record of the same name, else appends.
    void record(ProcessRecord process);
    // Removes the record of that name (no-op when there is none).
    void forget(const std::string& name);
    // The VM's current host and QMP socket (its configured host and <vm>.qmp until it migrated).
    Placement placement(const VmConfig& vm) const;
};

// nullopt when there is no state file; a file that cannot be parsed throws ConfigError naming it.
std::optional<LabState> load_lab_state(const std::string& prefix);
// Written to a temporary file and renamed, so a crash never leaves half a state file.
void save_lab_state(const LabState& state);

nlohmann::json to_json(const ProcessRecord& process);
ProcessRecord process_from_json(const nlohmann::json& json);

}  // namespace nf::lab
