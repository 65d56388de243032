#include "lab/traffic/stream_trace.h"

#include <algorithm>

namespace nf::lab {

std::int64_t time_origin(const TrafficRun& run) {
    std::optional<std::int64_t> origin;
    const auto take = [&](std::int64_t t) { origin = origin ? std::min(*origin, t) : t; };
    for (const StreamTrace& stream : run.streams)
        if (!stream.sends.empty()) take(stream.sends.front().time_ns);
    for (const Mark& mark : run.marks) take(mark.time_ns);
    return origin.value_or(0);
}

std::int64_t time_end(const TrafficRun& run) {
    std::optional<std::int64_t> end;
    const auto take = [&](std::int64_t t) { end = end ? std::max(*end, t) : t; };
    for (const StreamTrace& stream : run.streams)
        if (!stream.sends.empty()) take(stream.sends.back().time_ns);
    for (const Mark& mark : run.marks) take(mark.time_ns);
    return end.value_or(0);
}

PacketFate packet_fate(const StreamTrace& stream, std::uint64_t sequence) {
    PacketFate result;
    const SendEntry& send = stream.sends.at(sequence);
    result.send_ns = send.time_ns;
    const ReceiveEntry* receive = sequence < stream.receives.size() ? &stream.receives[sequence] : nullptr;
    if (receive && receive->received()) {
        // Received wins over a send error: the packet evidently left, whatever the sender was told.
        result.fate = Fate::Delivered;
        result.latency_ns = receive->first_rx_ns - receive->send_ns;
        result.copies = receive->copies;
        result.reordered = receive->reordered;
        result.path = receive->path;
    } else {
        result.fate = send.sent() ? Fate::Lost : Fate::NotSent;
    }
    return result;
}

StreamTrace make_trace(StreamKey key, const SendLog& sends, const Recorder& recorder) {
    StreamTrace trace{key, {sends.entries().begin(), sends.entries().end()}, {}};
    const auto receives = recorder.entries(key);
    // Entries beyond the send log belong to no sent packet; keep the table the length of the log.
    const std::size_t kept = std::min(receives.size(), trace.sends.size());
    trace.receives.assign(receives.begin(), receives.begin() + static_cast<std::ptrdiff_t>(kept));
    return trace;
}

StreamTrace infer_trace(StreamKey key, std::span<const ReceiveEntry> receives) {
    std::size_t end = receives.size();
    while (end > 0 && !receives[end - 1].received()) --end;
    StreamTrace trace{key, std::vector<SendEntry>(end), {receives.begin(), receives.begin() + static_cast<std::ptrdiff_t>(end)}};
    std::optional<std::size_t> previous;  // last received sequence number
    for (std::size_t seq = 0; seq < end; ++seq) {
        if (!receives[seq].received()) continue;
        trace.sends[seq].time_ns = receives[seq].send_ns;
        // Fill the hole (previous, seq) linearly; a hole at the start takes this packet's time.
        const std::size_t from = previous ? *previous + 1 : 0;
        for (std::size_t hole = from; hole < seq; ++hole) {
            if (!previous) {
                trace.sends[hole].time_ns = receives[seq].send_ns;
                continue;
            }
            const std::int64_t t0 = receives[*previous].send_ns;
            const std::int64_t t1 = receives[seq].send_ns;
            const auto span = static_cast<std::int64_t>(seq - *previous);
            trace.sends[hole].time_ns = t0 + (t1 - t0) * static_cast<std::int64_t>(hole - *previous) / span;
        }
        previous = seq;
    }
    return trace;
}

}  // namespace nf::lab
