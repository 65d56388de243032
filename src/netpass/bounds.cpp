#include "netpass/bounds.h"

namespace nf::netpass {

std::string bounds_problem(const Bounds& b) {
    if (b.max_frames == 0 || b.max_frames > 1'000'000) return "--max-frames must be 1..1000000";
    if (b.max_bytes < 2048 || b.max_bytes > (256u << 20)) return "--max-bytes must be 2048..268435456";
    const auto in = [](Millis m, long lo, long hi) { return m.count() >= lo && m.count() <= hi; };
    if (!in(b.keep, 1, 600000)) return "--keep-ms must be 1..600000";
    if (!in(b.forward, 1, 60000)) return "--forward-ms must be 1..60000";
    if (!in(b.quiet, 1, 60000)) return "--quiet-ms must be 1..60000";
    if (b.quiet > b.forward) return "--quiet-ms must not exceed --forward-ms";
    if (!in(b.hold, 1, 600000)) return "--hold-ms must be 1..600000";
    return "";
}

std::uint64_t ring_size(const Bounds& b) {
    // Each record carries the ring's 8-byte header and our np_record (8), rounded to 8 bytes: 24 more at most.
    const std::uint64_t need = b.max_bytes + 24ull * b.max_frames;
    std::uint64_t size = 4096;
    while (size < need) size <<= 1;
    return size;
}

}  // namespace nf::netpass
