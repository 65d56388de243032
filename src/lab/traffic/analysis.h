#pragma once
// Per phase and per direction: how many packets were sent, delivered, lost, duplicated, reordered, their
// latency percentiles, and the longest outage. Pure: a TrafficRun in, numbers out.
//
// Every packet of a stream is counted in the phase where it was *sent*, and
//   sent == delivered + lost + not_sent
// where not_sent = the kernel refused it (ENETUNREACH, ...) and lost = it left but never arrived.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lab/traffic/stream_trace.h"

namespace nf::lab {

// A run of consecutive sequence numbers that were not delivered. It starts at the send time of the first
// of them and ends at the send time of the packet after the run (the end of the stream, if none).
struct Outage {
    std::int64_t start_ns = 0;
    std::int64_t end_ns = 0;
    std::uint64_t first_sequence = 0;
    std::uint64_t packets = 0;
    std::int64_t duration_ns() const { return end_ns - start_ns; }
};

struct LatencySummary {
    std::int64_t p50_ns = 0;
    std::int64_t p99_ns = 0;
    std::int64_t max_ns = 0;
};

struct DirectionStats {
    Direction direction = Direction::ClientToVm;
    std::uint64_t sent = 0;
    std::uint64_t delivered = 0;
    std::uint64_t lost = 0;
    std::uint64_t not_sent = 0;
    std::uint64_t duplicated = 0;  // delivered packets that arrived more than once
    std::uint64_t reordered = 0;   // delivered packets that arrived after a higher sequence number
    std::optional<LatencySummary> latency;    // none when nothing was delivered
    std::optional<Outage> longest_gap;        // none when nothing was missing
    std::vector<std::uint64_t> delivered_by_path;  // by PathId, as TrafficRun::path_labels
};

struct PhaseStats {
    std::string label;
    std::optional<std::int64_t> start_ns;  // none = from the beginning
    std::optional<std::int64_t> end_ns;    // none = to the end
    std::array<DirectionStats, kDirectionCount> directions;  // indexed by Direction
};

struct Analysis {
    std::int64_t origin_ns = 0;  // the earliest send or mark: "time 0" of the table and the timeline
    std::vector<std::string> path_labels;
    std::vector<PhaseStats> phases;
    PhaseStats total;
};

// The phases are cut at the Phase marks; packets sent before the first one form a phase "start" (only
// when there are any). With no Phase marks there is one phase, "all".
Analysis analyze(const TrafficRun& run);

// Nearest-rank percentile (p in (0, 100]) of values sorted ascending; values must not be empty.
std::int64_t percentile(std::span<const std::int64_t> sorted, double p);

}  // namespace nf::lab
