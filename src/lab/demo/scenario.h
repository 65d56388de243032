#pragma once
// One variant of the demo: a fresh lab up, the guest negotiated with its VF active, a sequenced UDP
// stream both ways between the client and the VM, then
//   phase "primary" -> QMP device_del <primary> (orderly), DEVICE_DELETED -> phase "standby only"
//   -> QMP device_add <primary> (the lab's own arguments), guest active primary -> phase "re-plugged"
// and the lab down again (always, also on errors and Ctrl-C). Every packet's fate, which host port carried
// it (packet sockets on the VF's bridge port and the PV backend port), the QMP events and failoverd's
// active-slave changes come back as one VariantResult.
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/demo/variant.h"
#include "lab/topology/lab_config.h"
#include "lab/traffic/analysis.h"
#include "lab/traffic/stream_trace.h"

namespace nf::lab::demo {

using Millis = std::chrono::milliseconds;

struct ScenarioOptions {
    double rate = 1000;                // packets per second, each direction
    Millis phase{1500};                // length of each phase once its switch is done
    std::uint16_t port = 47'000;       // UDP port of the stream at both ends
    Millis ready_timeout{20'000};      // lab up -> failoverd reports active primary
    Millis unplug_timeout{10'000};     // device_del -> DEVICE_DELETED
    Millis replug_timeout{15'000};     // device_add -> failoverd reports active primary
    bool migrate = true;               // phases 4 and 5: migrate to the other host and back
    Millis drain{200};                 // after the senders stop, for packets in flight
    std::vector<std::filesystem::path> binary_dirs;  // failover-vmm/failoverd; empty: next to us, then PATH
    std::filesystem::path keep_logs;   // the lab's process logs are copied here before it goes down; empty: not
    const std::atomic<bool>* interrupted = nullptr;  // set by a signal handler: stop and tear down
};

// A step of the scenario did not happen in time (what was awaited, then the VMM's and failoverd's logs).
class ScenarioError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The scenario was interrupted (Ctrl-C): the lab is down again.
class Interrupted : public std::runtime_error {
public:
    Interrupted() : std::runtime_error("interrupted") {}
};

struct TimedEvent {
    std::int64_t time_ns = 0;  // CLOCK_MONOTONIC (QMP's wall-clock stamps converted)
    std::string name;          // QMP event name, or "active-changed" etc. for failoverd
    nlohmann::json data;
};

struct SwitchTimes {
    std::int64_t device_del_ns = 0;                 // when the demo sent device_del
    std::optional<std::int64_t> device_deleted_ns;  // QMP DEVICE_DELETED
    std::optional<std::int64_t> guest_standby_ns;   // failoverd: active -> standby
    std::int64_t device_add_ns = 0;                 // when the demo sent device_add
    std::optional<std::int64_t> guest_primary_ns;   // failoverd: active -> primary
};

struct PathCount {
    std::string label;  // "vf", "pv"
    std::string port;   // host-side interface
    std::array<std::uint64_t, kDirectionCount> seen{};  // stream packets seen there, by Direction
};

// One `failover-lab migrate` of the scenario.
struct MigrationResult {
    std::string phase;             // kPhaseMigrated / kPhaseMigratedBack
    std::string from, to;          // hosts
    std::string status;            // the orchestrator's result ("migrated", "rolled-back", ...)
    std::string error;
    std::int64_t start_ns = 0;     // the migrate call (CLOCK_MONOTONIC)
    std::int64_t end_ns = 0;       // it returned
    std::optional<std::int64_t> guest_primary_ns;  // failoverd: the destination's VF active
    std::optional<std::int64_t> downtime_ms;       // query-migrate "downtime" (the source's)
    std::optional<std::int64_t> total_ms;          // query-migrate "total-time"
    bool netpass = false;                          // the capability was on
    std::uint64_t netpass_kept = 0, netpass_injected = 0, netpass_dropped = 0;
    nlohmann::json report;                         // failover-lab migrate --json's object
};

struct VariantResult {
    Variant variant;
    std::string prefix;
    TrafficRun run;
    Analysis analysis;
    SwitchTimes switches;
    std::vector<PathCount> paths;
    std::vector<TimedEvent> qmp_events;
    std::vector<TimedEvent> guest_events;
    std::vector<MigrationResult> migrations;
    std::int64_t wall_minus_monotonic_ns = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC during the run (logs' clock)
};

// Runs one variant on `config` (already carrying the variant, see apply_variant) with its first VM and
// first client. Refuses a prefix whose lab exists (it is not ours to take down). Throws on failure
// (timeouts name what was awaited and end with the VMM's and failoverd's logs); Interrupted on Ctrl-C.
VariantResult run_variant(const LabConfig& config, const Variant& variant, const ScenarioOptions& options);

// Phase labels, in order.
inline constexpr const char* kPhasePrimary = "primary";
inline constexpr const char* kPhaseStandbyOnly = "standby only";
inline constexpr const char* kPhaseReplugged = "re-plugged";
inline constexpr const char* kPhaseMigrated = "migrated";
inline constexpr const char* kPhaseMigratedBack = "migrated back";

}  // namespace nf::lab::demo
