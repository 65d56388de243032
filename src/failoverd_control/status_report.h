#pragma once
// What `failoverctl status` shows: the daemon fills a StatusReport, the wire carries its JSON (to_json, the
// only place that shape is written), and failoverctl renders the JSON as a table (or prints it with --json).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "failoverd_control/daemon_config.h"

namespace nf::daemon {

struct SlaveStatus {
    std::string name;          // empty when absent
    int ifindex = 0;
    bool present = false;
    bool up = false;
    bool carrier = false;
};

// --- every counter failoverd exports, defined here once: the parts that count fill these, status shows them ---

// The datapath's frames and the core's switches ("counters").
struct StatusCounters {
    std::uint64_t tx_packets = 0;
    std::uint64_t rx_packets = 0;
    std::uint64_t tx_dropped = 0;
    std::uint64_t failovers = 0;   // switches of the active slave
    std::uint64_t primary_leaving = 0;  // a uevent said the primary's driver is removing it: TX moved off it
};

// The kernel's uevents ("uevents"): what the watch for a leaving primary read and refused.
struct UeventStatus {
    bool listening = false;          // the socket is open (false: the primary's link events only)
    std::uint64_t received = 0;
    std::uint64_t not_kernel = 0;    // not sent by the kernel: ignored
    std::uint64_t malformed = 0;     // refused (udev's format, truncated, oversized, ...)
    std::uint64_t overruns = 0;      // the kernel dropped messages for our full buffer
    std::uint64_t errors = 0;        // other receive errors
    std::uint64_t leave_expired = 0; // a primary announced as leaving was still there after the bound
};

// The daemon's own loop ("event_loop"): what it survived and how busy it is.
struct EventLoopCounters {
    std::uint64_t handler_errors = 0;             // a handler threw: contained, links resynced
    std::uint64_t undecodable_link_messages = 0;  // rtnetlink messages the link monitors could not read
    std::uint64_t rounds = 0;
    std::uint64_t timers_fired = 0;
    std::uint64_t timers_pending = 0;
};

// The announcer's bursts after a switch ("announce").
struct AnnounceCounters {
    std::uint64_t rounds = 0;
    std::uint64_t frames_sent = 0;
    std::uint64_t send_errors = 0;   // the send function threw; the burst goes on
};

// The master's IP addresses as the next switch announces them, and how they are kept ("announce").
struct AnnounceAddresses {
    bool from_events = false;       // kept from rtnetlink's address events; false: looked up at every switch
    std::uint64_t lookups = 0;      // dumps of the master's addresses so far (start, a change, a switch)
    std::uint64_t switch_lookups = 0;  // of them, made by a switch that had nothing current (no events)
    std::vector<std::string> known; // what the next switch announces; empty before the first lookup
};

// What hostile or broken control clients cost: refused, dropped, malformed ("control").
struct ControlCounters {
    std::uint64_t clients_accepted = 0;
    std::uint64_t clients_refused = 0;        // over max_clients
    std::uint64_t peers_refused = 0;          // SO_PEERCRED: not root, us or the socket's group
    std::uint64_t requests = 0;
    std::uint64_t bad_requests = 0;           // malformed or unknown; answered with an error
    std::uint64_t oversized_requests = 0;
    std::uint64_t events_published = 0;
    std::uint64_t slow_clients_dropped = 0;   // pending output over the limit
    std::uint64_t accept_exhausted = 0;       // accept ran out of fds: the listener paused
};

struct ControlStatus {
    std::size_t clients = 0;
    std::size_t subscribers = 0;
    ControlCounters counters;
};

// How long switches took inside the daemon, from the link event to the datapath update ("switch");
// unset members are null (no switch yet).
struct SwitchStatus {
    std::uint64_t samples = 0;
    std::optional<double> last_us;
    std::optional<double> p50_us;
    std::optional<double> p99_us;
    std::optional<std::int64_t> last_at_unix_us;  // wall clock: lines up the switches of many daemons
};

struct PairingStatus {
    std::string by = "mac";                  // "mac" | "id"
    std::optional<std::string> primary_id;   // by id
    // By id: the primaries wearing the standby's MAC, with their own (restored at release); the state
    // file's form of them.
    nlohmann::json taken_addresses;
};

struct StatusReport {
    std::string master;
    std::string model;         // "3dev" | "hidden" | "2dev"
    std::string datapath;      // "bpf" | "packet" | "memory"
    std::string rx_mode;       // "make-before-break" | "kernel"
    std::string active;        // "primary" | "standby" | "none"
    std::string active_choice = "auto";   // what `set active` asked for
    SlaveStatus primary;
    SlaveStatus standby;
    StatusCounters counters;

    // --- what a running daemon adds; a report without them (failoverctl's tests) still renders ---
    SwitchStatus switch_timing;
    bool carrier = false;
    bool rx_primary = false;   // what the datapath does now (a standby held by the rx grace shows as delivered)
    bool rx_standby = false;
    std::int64_t rx_grace_ms = 0;
    bool rx_grace_holding = false;
    int master_ifindex = 0;
    std::optional<std::string> private_netns;  // hidden
    bool adopted = false;
    PairingStatus pairing;
    std::string standby_config_mode = "takeover";
    std::vector<std::string> taken_over;       // what moved from the standby to the master
    // teamdctl-style state: what it runs with, which build, for how long.
    long pid = 0;
    std::string version;
    std::int64_t uptime_s = 0;
    std::optional<DaemonConfig> config;
    std::string datapath_reason;
    std::uint64_t events_published = 0;
    EventLoopCounters event_loop;
    std::optional<nlohmann::json> device_channel;  // --device-channel: the channel's own report
    std::optional<ControlStatus> control;
    std::optional<AnnounceCounters> announce;
    AnnounceAddresses announce_addresses;
    UeventStatus uevents;
};

// The schema of {"cmd":"status"}'s "status" member.
nlohmann::json to_json(const StatusReport& report);

// The human-readable table of `failoverctl status`. Tolerates missing members (shown as "-").
std::string format_status(const nlohmann::json& status);

}  // namespace nf::daemon
