#pragma once
// The input of the analysis and the timeline: for each stream, what was sent and what arrived, plus the
// marks the lab put on the time axis (phase boundaries, QMP events). Plain values, so tests build them
// by hand.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lab/traffic/recorder.h"
#include "lab/traffic/send_log.h"

namespace nf::lab {

struct StreamTrace {
    StreamKey key;
    std::vector<SendEntry> sends;        // index = sequence number: the packets of the stream
    std::vector<ReceiveEntry> receives;  // index = sequence number; may be shorter than sends
};

enum class MarkKind {
    Phase,  // starts a phase that lasts until the next Phase mark: the table has a row per phase
    Event,  // a point on the time line (a QMP event, a link change): drawn, does not split phases
};

struct Mark {
    std::int64_t time_ns = 0;  // CLOCK_MONOTONIC
    std::string label;
    MarkKind kind = MarkKind::Event;
};

struct TrafficRun {
    std::vector<StreamTrace> streams;
    std::vector<std::string> path_labels{""};  // by PathId, as Recorder::path_labels()
    std::vector<Mark> marks;
};

// "Time 0" of a run: its earliest send or mark (0 for an empty run); and its latest.
std::int64_t time_origin(const TrafficRun& run);
std::int64_t time_end(const TrafficRun& run);

enum class Fate { Delivered, Lost, NotSent };

// What happened to one packet, from both logs.
struct PacketFate {
    Fate fate = Fate::Lost;
    std::int64_t send_ns = 0;
    std::int64_t latency_ns = 0;  // meaningful when delivered
    std::uint32_t copies = 0;
    bool reordered = false;
    PathId path = kNoPath;
};

PacketFate packet_fate(const StreamTrace& stream, std::uint64_t sequence);

// Joins a sender's log with a recorder's table for one stream.
StreamTrace make_trace(StreamKey key, const SendLog& sends, const Recorder& recorder);

// For a receiver that has no send log (a stand-alone `recv`): pretends every sequence number up to the
// highest received was sent, at the time its header says or, when it never arrived, at a time interpolated
// from its received neighbours. Packets after the last received one are invisible to such a receiver.
StreamTrace infer_trace(StreamKey key, std::span<const ReceiveEntry> receives);

}  // namespace nf::lab
