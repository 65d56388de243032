#pragma once
// Before a stream starts: a UDP probe exchange that proves the path works both ways and leaves the ARP
// entries resolved, so the first phase measures the datapath, not neighbour discovery.
#include <chrono>
#include <cstdint>
#include <string>

namespace nf::lab::demo {

struct ProbeEnd {
    std::string netns;  // named namespace
    std::string ip;     // its address there
};

// Sends a probe every 20 ms from each end to the other's `port` until each end got one; throws
// SystemError(ETIMEDOUT) naming the direction(s) that never worked within `timeout`.
void probe_both_ways(const ProbeEnd& a, const ProbeEnd& b, std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace nf::lab::demo
