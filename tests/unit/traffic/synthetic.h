#pragma once
// Hand-built traffic for the pure tests: n packets 1 ms apart from t = 1 s, all delivered with a given
// latency, which a test then damages (loses, duplicates, reorders...).
#include "lab/traffic/stream_trace.h"

namespace nf::lab::test {

inline constexpr std::int64_t kStart = 1'000'000'000;
inline constexpr std::int64_t kMs = 1'000'000;

inline StreamTrace delivered_stream(Direction direction, std::size_t n, std::int64_t latency_ns = 100'000) {
    StreamTrace stream{{1, direction}, {}, {}};
    for (std::size_t seq = 0; seq < n; ++seq) {
        const std::int64_t t = kStart + static_cast<std::int64_t>(seq) * kMs;
        stream.sends.push_back({t, 0});
        stream.receives.push_back({t + latency_ns, t, 1, false, kNoPath, 0});
    }
    return stream;
}

inline void lose(StreamTrace& stream, std::size_t from, std::size_t to) {
    for (std::size_t seq = from; seq < to; ++seq) stream.receives[seq] = ReceiveEntry{};
}

inline void refuse(StreamTrace& stream, std::size_t from, std::size_t to, int error) {
    lose(stream, from, to);
    for (std::size_t seq = from; seq < to; ++seq) stream.sends[seq].error = error;
}

}  // namespace nf::lab::test
