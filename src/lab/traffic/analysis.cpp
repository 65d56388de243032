#include "lab/traffic/analysis.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nf::lab {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

struct Window {
    std::int64_t from = kMin;  // inclusive
    std::int64_t to = kMax;    // exclusive
    bool contains(std::int64_t t) const { return t >= from && t < to; }
};

// The packet after a run of missing ones, or the run's last packet when the stream ends with it.
std::int64_t outage_end(const StreamTrace& stream, std::uint64_t last_missing) {
    const std::uint64_t next = last_missing + 1;
    return next < stream.sends.size() ? stream.sends[next].time_ns : stream.sends[last_missing].time_ns;
}

void keep_longer(std::optional<Outage>& longest, const Outage& candidate) {
    if (!longest || candidate.duration_ns() > longest->duration_ns() ||
        (candidate.duration_ns() == longest->duration_ns() && candidate.packets > longest->packets))
        longest = candidate;
}

// Adds one stream's packets sent inside `window` to `stats`; collects their latencies.
void add_stream(const StreamTrace& stream, Window window, DirectionStats& stats, std::vector<std::int64_t>& latencies) {
    std::optional<Outage> run;  // the current run of missing packets
    auto close_run = [&](std::uint64_t last_missing) {
        if (!run) return;
        run->end_ns = outage_end(stream, last_missing);
        keep_longer(stats.longest_gap, *run);
        run.reset();
    };
    std::uint64_t previous = 0;
    for (std::uint64_t seq = 0; seq < stream.sends.size(); ++seq) {
        if (!window.contains(stream.sends[seq].time_ns)) continue;
        if (run && seq != previous + 1) close_run(previous);  // the window skipped packets: not one run
        previous = seq;
        const PacketFate packet = packet_fate(stream, seq);
        ++stats.sent;
        switch (packet.fate) {
            case Fate::Delivered:
                close_run(seq - 1);
                ++stats.delivered;
                if (packet.copies > 1) ++stats.duplicated;
                if (packet.reordered) ++stats.reordered;
                if (packet.path >= stats.delivered_by_path.size()) stats.delivered_by_path.resize(packet.path + 1u, 0);
                ++stats.delivered_by_path[packet.path];
                latencies.push_back(packet.latency_ns);
                continue;
            case Fate::Lost: ++stats.lost; break;
            case Fate::NotSent: ++stats.not_sent; break;
        }
        if (!run) run = Outage{packet.send_ns, 0, seq, 0};
        ++run->packets;
    }
    if (run) close_run(previous);
}

PhaseStats phase_stats(const TrafficRun& run, std::string label, Window window) {
    PhaseStats phase;
    phase.label = std::move(label);
    if (window.from != kMin) phase.start_ns = window.from;
    if (window.to != kMax) phase.end_ns = window.to;
    for (std::size_t d = 0; d < kDirectionCount; ++d) {
        DirectionStats& stats = phase.directions[d];
        stats.direction = static_cast<Direction>(d);
        stats.delivered_by_path.assign(run.path_labels.size(), 0);
        std::vector<std::int64_t> latencies;
        for (const StreamTrace& stream : run.streams)
            if (stream.key.direction == stats.direction) add_stream(stream, window, stats, latencies);
        if (latencies.empty()) continue;
        std::sort(latencies.begin(), latencies.end());
        stats.latency = LatencySummary{percentile(latencies, 50), percentile(latencies, 99), latencies.back()};
    }
    return phase;
}

bool any_sent_before(const TrafficRun& run, std::int64_t t) {
    for (const StreamTrace& stream : run.streams)
        if (!stream.sends.empty() && stream.sends.front().time_ns < t) return true;
    return false;
}

}  // namespace

std::int64_t percentile(std::span<const std::int64_t> sorted, double p) {
    const auto n = static_cast<double>(sorted.size());
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * n));
    rank = std::clamp<std::size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

Analysis analyze(const TrafficRun& run) {
    Analysis analysis;
    analysis.origin_ns = time_origin(run);
    analysis.path_labels = run.path_labels;

    std::vector<Mark> phases;
    for (const Mark& mark : run.marks)
        if (mark.kind == MarkKind::Phase) phases.push_back(mark);
    std::stable_sort(phases.begin(), phases.end(), [](const Mark& a, const Mark& b) { return a.time_ns < b.time_ns; });

    if (phases.empty()) {
        analysis.phases.push_back(phase_stats(run, "all", {}));
    } else {
        if (any_sent_before(run, phases.front().time_ns))
            analysis.phases.push_back(phase_stats(run, "start", {kMin, phases.front().time_ns}));
        for (std::size_t i = 0; i < phases.size(); ++i) {
            const std::int64_t to = i + 1 < phases.size() ? phases[i + 1].time_ns : kMax;
            analysis.phases.push_back(phase_stats(run, phases[i].label, {phases[i].time_ns, to}));
        }
    }
    analysis.total = phase_stats(run, "total", {});
    return analysis;
}

}  // namespace nf::lab
