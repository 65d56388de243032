#pragma once
// A live migration's switchover, as the host sees it, in a namespace: a bridge with the source VM's backend
// tap, the destination VM's backend tap and a "network" tap. The test plays both VMMs the way QEMU's tap
// backend behaves: it reads the source tap while the source runs, stops reading it at the stop (frames then
// wait in the tap's queue, lost when the VMM goes), reads the destination tap once that runs, and sends the
// guest's announcement from there (the bridge learns the new port). A 1 kHz stream of numbered frames goes
// from the network toward the guest's MAC, and another from the guest to the network. With netpass on, the
// real failover-netpass halves run on the two taps, driven over stdin as failover-migrate drives them.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nf::netpass::test {

using namespace std::chrono_literals;

struct SwitchoverConfig {
    bool netpass = false;
    std::chrono::milliseconds before{300};    // streaming before the stop
    std::chrono::milliseconds downtime{150};  // stop → the destination runs
    std::chrono::milliseconds announce{20};   // the destination runs → its announcement reaches the bridge
    std::chrono::milliseconds after{500};     // streaming after the destination runs
    int rate_hz = 1000;
    std::vector<std::string> extra_args;  // appended to both halves' arguments (bounds)
};

struct Direction {
    int sent = 0;
    int delivered = 0;  // distinct sequence numbers
    int lost = 0;
    int reordered = 0;  // arrived after a higher number
    int duplicates = 0;
    double outage_ms = 0;  // the longest gap between two deliveries
    std::vector<std::uint32_t> missing;  // the first lost sequence numbers and duplicates (diagnostics)
};

struct SwitchoverResult {
    Direction to_guest;
    Direction from_guest;
    nlohmann::json source_report;       // the halves' "done" lines (netpass on)
    nlohmann::json destination_report;
    std::string tap_stats;  // `ip -s -s link show` of the destination's tap (diagnostics)
    std::string leftovers;  // tc filters / qdiscs left on the taps afterwards ("" = none)
};

// Builds the namespace, runs one switchover, removes everything (also on failure).
SwitchoverResult run_switchover(const SwitchoverConfig& config);

}  // namespace nf::netpass::test
