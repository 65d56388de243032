#pragma once
// /run/netfailover/<key>.state (key: system_key(), <guest netns inode>-<master>): what a running daemon set up, so that a daemon restarted after a
// crash (SIGKILL) adopts the master and the pinned BPF maps instead of building new ones, or cleans up
// what a dead packet datapath left behind. Written as "starting" before start-up changes anything and
// "running" once it is done, removed at stop once everything is undone (else kept as "leftovers"):
// whatever a crash or a failed stop leaves, the next start knows what to remove.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "failoverd/taken_address.h"
#include <nlohmann/json.hpp>

namespace nf::failoverd {

struct DaemonState {
    std::string master;
    std::string model;      // "3dev" | "hidden"
    std::string datapath;   // "bpf" | "packet"
    std::string standby;    // the standby's name
    bool standby_was_up = false;  // restored at stop
    // "starting": start-up was under way (its leftovers are removed, never adopted); "running": it was done;
    // "leftovers": a stop could not undo everything (listed below); the next start finishes the job.
    std::string phase = "running";
    std::vector<std::string> leftovers;  // phase "leftovers": what is still there, for humans
    std::vector<TakenAddress> taken_addresses;  // primaries paired by id wearing the standby's MAC
    // LinkSnapshots::to_json(): every link as it was before the daemon first touched it, restored at stop
    // (also by the daemon that adopts or cleans up after this one).
    nlohmann::json links = nlohmann::json::array();
};

// <directory>/<key>.state; `key` is system_key(guest inode, master).
std::filesystem::path state_file_path(const std::string& directory, const std::string& key);
void write_state(const std::filesystem::path& path, const DaemonState& state);
// nullopt when there is no file; a malformed one is reported and treated as absent.
std::optional<DaemonState> read_state(const std::filesystem::path& path);
void remove_state(const std::filesystem::path& path);

}  // namespace nf::failoverd
