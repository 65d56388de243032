#pragma once
// The netpass seam: what happens to a frame from the bridge that reaches a paused VM's PV backend.
// Today it is dropped and counted. Netpass (spec qemu-failover.md §5.6) plugs in here: a bounded cache
// that keeps the frames and hands them to the destination VMM once it has started.
#include <cstddef>
#include <span>

#include "vmm/counters.h"

namespace nf::vmm {

class PausedFrameSink {
public:
    virtual ~PausedFrameSink() = default;
    // Called on the forwarder thread for each frame (vnet header + Ethernet frame) that arrived while paused.
    virtual void take(std::span<const std::byte> frame) = 0;
};

// The default: drop, and count it so tests and the lab can see what a pause cost.
class DropPausedFrames final : public PausedFrameSink {
public:
    explicit DropPausedFrames(PvCounters& counters) : counters_(counters) {}
    void take(std::span<const std::byte>) override { count(counters_.rx_dropped_paused); }

private:
    PvCounters& counters_;
};

}  // namespace nf::vmm
