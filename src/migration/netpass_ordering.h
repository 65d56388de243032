#pragma once
// The destination's delivery order (design.md §5; the reordering QEMU's reviewers raised): from the moment
// the destination guest resumes with netpass on, frames that arrive at the destination's own backend are
// held (bounded, counted) until the cached frames from the source have been injected; then the held frames
// follow in arrival order. If the cache never comes (bound, error) the held frames are released anyway.
#include <cstddef>
#include <vector>

#include "migration/netpass_cache.h"
#include "migration/netpass_records.h"

namespace nf::migration {

class NetpassOrdering {
public:
    explicit NetpassOrdering(NetpassLimits limits = {}) : limits_(limits) {}

    void hold();  // start holding the destination's own frames (at guest resume)
    bool holding() const { return holding_; }

    // A frame arrived at the destination's backend. Returns the frames to deliver now, in order: the frame
    // itself when not holding, nothing while holding (it is queued, or dropped and counted past a bound).
    std::vector<NetpassFrame> arrived(NetpassFrame frame);
    // The source's cached frames: returns them followed by every held frame, and stops holding.
    std::vector<NetpassFrame> inject(std::vector<NetpassFrame> cached);
    // No cache will come: returns the held frames and stops holding.
    std::vector<NetpassFrame> release();

    std::size_t held_frames() const { return held_.size(); }
    const NetpassCounters& counters() const { return counters_; }  // injected, held, dropped

private:
    NetpassLimits limits_;
    bool holding_ = false;
    std::vector<NetpassFrame> held_;
    std::size_t held_bytes_ = 0;
    NetpassCounters counters_;
};

}  // namespace nf::migration
