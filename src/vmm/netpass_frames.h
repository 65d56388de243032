#pragma once
// Netpass, the VMM's half (spec qemu-failover.md §5.6, done better): the frames that reach a paused
// source's PV backend are kept here, bounded by frames and bytes, with counters, for the migration core's
// netpass cache to send once the destination has started. Unlike the series, nothing grows without limit:
// a frame beyond the limit is dropped and counted, and the migration reports it.
//
// Thread-safe: the forwarder thread calls take(), the VMM's loop drains and reads the counters.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "vmm/paused_frames.h"

namespace nf::vmm {

// One frame as the backend read it: the virtio-net header (vnet_hdr_len bytes) then the Ethernet frame,
// netpass's record ([be32 length][be32 vnet header length][bytes]) without the framing.
struct PassedFrame {
    std::vector<std::byte> bytes;
    std::uint32_t vnet_hdr_len = 0;
};

struct NetpassLimits {
    std::size_t max_frames = 4096;
    std::size_t max_bytes = 8u << 20;
};

struct NetpassCounters {
    std::uint64_t kept = 0;
    std::uint64_t kept_bytes = 0;
    std::uint64_t dropped = 0;  // beyond the limits, or while not capturing
    std::uint64_t taken = 0;    // handed to the migration core
};

class KeepPausedFrames final : public PausedFrameSink {
public:
    KeepPausedFrames(std::uint32_t vnet_hdr_len, NetpassLimits limits, PvCounters& pv)
        : vnet_hdr_len_(vnet_hdr_len), limits_(limits), pv_(pv) {}

    void take(std::span<const std::byte> frame) override;

    // Capture on (at switchover, after the pause) or off (the frames then go back to being dropped and
    // counted as a plain pause's). Turning it on clears what an earlier migration left.
    void set_capturing(bool on);
    // Everything kept so far, oldest first; the cache is empty afterwards.
    std::vector<PassedFrame> drain();
    NetpassCounters counters() const;
    nlohmann::json describe() const;

private:
    const std::uint32_t vnet_hdr_len_;
    const NetpassLimits limits_;
    PvCounters& pv_;
    mutable std::mutex mutex_;
    bool capturing_ = false;
    std::vector<PassedFrame> frames_;
    std::size_t bytes_ = 0;
    NetpassCounters counters_;
};

}  // namespace nf::vmm
