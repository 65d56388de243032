#pragma once
// Every bound of host netpass, in one place (failover-netpass's options; failover-migrate passes them on).
#include <chrono>
#include <cstdint>
#include <string>

namespace nf::netpass {

using Millis = std::chrono::milliseconds;

struct Bounds {
    // Frames and bytes kept on the source (and held on the destination) per migration. 4096 frames cover
    // 4 s of a 1 kHz stream; 4 MiB is 2800 full-size frames. The BPF ring is sized from max_bytes.
    std::uint32_t max_frames = 4096;
    std::uint64_t max_bytes = 4u << 20;
    Millis keep{10000};    // source: keeping stops this long after arming (the switchover took too long)
    Millis forward{2000};  // source: after the destination runs, forwarding stops at the latest after this
    Millis quiet{200};     // source: ... or once no frame reached the source tap for this long (bridge learnt)
    Millis hold{15000};    // destination: held frames are released this long after arming, whatever happened
};

// "" when usable, else what is wrong (names the option).
std::string bounds_problem(const Bounds& bounds);

// The ring buffer's size for max_bytes: a power of two of at least one page, with room for record headers.
std::uint64_t ring_size(const Bounds& bounds);

}  // namespace nf::netpass
