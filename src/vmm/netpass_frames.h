#pragma once
// Netpass, the VMM's half (spec qemu-failover.md §5.6): the seam of paused_frames.h plugged into the
// migration core's bounded, counted cache. While the cache captures (from the source's switchover pause
// on), a frame that reaches the paused backend is kept for the destination; otherwise (or past the
// cache's bounds) it is dropped and counted as a plain pause's.
#include <cstdint>
#include <span>

#include "migration/netpass_cache.h"
#include "vmm/paused_frames.h"

namespace nf::vmm {

class CachePausedFrames final : public PausedFrameSink {
public:
    CachePausedFrames(migration::NetpassCache& cache, std::uint32_t vnet_hdr_len, PvCounters& pv)
        : cache_(cache), vnet_hdr_len_(vnet_hdr_len), pv_(pv) {}
    // Called on the forwarder thread; NetpassCache is thread-safe.
    void take(std::span<const std::byte> frame) override {
        if (!cache_.keep(frame, vnet_hdr_len_)) count(pv_.rx_dropped_paused);
    }

private:
    migration::NetpassCache& cache_;
    const std::uint32_t vnet_hdr_len_;
    PvCounters& pv_;
};

}  // namespace nf::vmm
