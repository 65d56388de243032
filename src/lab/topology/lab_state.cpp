#include "lab/topology/lab_state.h"

#include <fstream>

#include "common/error.h"
#include "common/json_input.h"
#include "common/safe_file.h"
#include "lab/topology/lab_names.h"

namespace nf::lab {

const ProcessRecord* LabState::find_process(const std::string& name) const {
    for (const auto& process : processes)
        if (process.name == name) return &process;
    return nullptr;
}

void LabState::record(ProcessRecord process) {
    for (auto& existing : processes)
        if (existing.name == process.name) {
            existing = std::move(process);
            return;
        }
    processes.push_back(std::move(process));
}

void LabState::forget(const std::string& name) {
    std::erase_if(processes, [&](const ProcessRecord& p) { return p.name == name; });
}

Placement LabState::placement(const VmConfig& vm) const {
    if (const auto it = placements.find(vm.name); it != placements.end()) return it->second;
    return {vm.host, LabNames(config.prefix).qmp_socket(vm.name)};
}

nlohmann::json to_json(const ProcessRecord& process) {
    return {{"name", process.name},     {"pid", process.pid},       {"start_time", process.start_time},
            {"argv", process.argv},     {"netns", process.netns},   {"cgroup", process.cgroup},
            {"log", process.log.string()}};
}

ProcessRecord process_from_json(const nlohmann::json& json) {
    ProcessRecord process;
    process.name = json.at("name").get<std::string>();
    process.pid = json.at("pid").get<pid_t>();
    process.start_time = json.at("start_time").get<unsigned long long>();
    process.argv = json.at("argv").get<std::vector<std::string>>();
    process.netns = json.at("netns").get<std::string>();
    process.cgroup = json.at("cgroup").get<std::string>();
    process.log = json.at("log").get<std::string>();
    return process;
}

std::optional<LabState> load_lab_state(const std::string& prefix) {
    const auto file = LabNames(prefix).state_file();
    try {
        const auto text = read_file_nofollow(file, 16 << 20);
        if (!text) return std::nullopt;
        const JsonInput input = parse_json_input(*text);
        if (!input.value) throw std::runtime_error(input.error);
        const auto& json = *input.value;
        LabState state{parse_lab_config(json.at("config")), {}};
        for (const auto& process : json.at("processes")) state.processes.push_back(process_from_json(process));
        // Written since `failover-lab migrate`; a state file without it has every VM on its configured host.
        if (json.contains("placements"))
            for (const auto& [vm, placement] : json.at("placements").items()) {
                if (!state.config.find_vm(vm)) throw std::runtime_error("placements: no VM '" + vm + "' in the config");
                const auto host = placement.at("host").get<std::string>();
                if (!state.config.find_host(host)) throw std::runtime_error("placements." + vm + ": no host '" + host + "'");
                state.placements[vm] = {host, placement.at("qmp").get<std::string>()};
            }
        return state;
    } catch (const std::exception& e) {
        throw ConfigError("state file " + file.string() + " is damaged (" + e.what() + "); `failover-lab down --prefix " +
                          prefix + "` still cleans up without it");
    }
}

void save_lab_state(const LabState& state) {
    const auto file = LabNames(state.config.prefix).state_file();
    nlohmann::json processes = nlohmann::json::array();
    for (const auto& process : state.processes) processes.push_back(to_json(process));
    nlohmann::json placements = nlohmann::json::object();
    for (const auto& [vm, placement] : state.placements)
        placements[vm] = {{"host", placement.host}, {"qmp", placement.qmp.string()}};
    const nlohmann::json json{{"config", to_json(state.config)}, {"processes", processes}, {"placements", placements}};
    // O_NOFOLLOW temporary + rename, in a directory created 0755 and checked (common/safe_file.h).
    write_file_atomic(file, json.dump(2) + "\n");
}

}  // namespace nf::lab
