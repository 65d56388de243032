#pragma once
// What `failoverctl status` shows: the daemon fills a StatusReport, the wire carries its JSON, and
// failoverctl renders the JSON as a table (or prints it with --json).
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace nf::daemon {

struct SlaveStatus {
    std::string name;          // empty when absent
    int ifindex = 0;
    bool present = false;
    bool up = false;
    bool carrier = false;
};

struct StatusCounters {
    std::uint64_t tx_packets = 0;
    std::uint64_t rx_packets = 0;
    std::uint64_t tx_dropped = 0;
    std::uint64_t failovers = 0;   // switches of the active slave
};

struct StatusReport {
    std::string master;
    std::string model;         // "3dev" | "hidden"
    std::string datapath;      // "bpf" | "packet" | "memory"
    std::string rx_mode;       // "make-before-break" | "kernel"
    std::string active;        // "primary" | "standby" | "none"
    std::string active_choice = "auto";   // what `set active` asked for
    SlaveStatus primary;
    SlaveStatus standby;
    StatusCounters counters;
};

// The schema of {"cmd":"status"}'s "status" member; the daemon may add members (e.g. "control").
nlohmann::json to_json(const StatusReport& report);

// The human-readable table of `failoverctl status`. Tolerates missing members (shown as "-").
std::string format_status(const nlohmann::json& status);

}  // namespace nf::daemon
