#pragma once
// The one clock of the traffic lab. Both endpoints run on one machine (in different namespaces, which
// share CLOCK_MONOTONIC), so a send time stamped by one side can be subtracted from a receive time taken
// by the other: latency needs no clock sync.
#include <time.h>

#include <cstdint>

namespace nf::lab {

inline std::int64_t monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

}  // namespace nf::lab
