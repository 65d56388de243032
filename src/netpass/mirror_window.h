#pragma once
// The source's frames the VMM never read at its stop. Before the stop the tc program passes every frame
// toward the guest and mirrors a copy into the ring (in the order the tap queued them); the tap counts a
// frame as transmitted only when its reader (the VMM) read it, and as dropped when its queue was full. So at
// the stop, mirrored - read - dropped (all counted from the same start) are the last frames mirrored: they
// wait in the stopped VMM's tap queue and die with it. They are kept first, before anything that came later.
// The tap's queue need not be empty when mirroring starts (a guest under TCG often leaves a backlog there): the
// frames queued before the start, unmirrored, are read first. Their number is learnt from samples taken while
// the VMM runs: counters read, then the ring drained, so every frame the VMM had taken by the reading was
// mirrored by the draining; reads beyond the mirrored count are the old backlog. The largest such excess is
// the backlog once the queue held no mirrored frame at a sample (it empties whenever the VMM catches up); a
// smaller estimate only recovers fewer frames, never one the VMM read. A copy that did not fit the ring turns
// recovery off (we could not tell which frames are missing).
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <vector>

#include "netpass/frame_queue.h"

namespace nf::netpass {

struct TapCounts {
    std::uint64_t read = 0;     // the tap's tx_packets
    std::uint64_t dropped = 0;  // the tap's tx_dropped
};

class MirrorWindow {
public:
    explicit MirrorWindow(std::uint32_t max_frames) : max_frames_(max_frames) {}
    void start(TapCounts at_start);
    bool started() const { return started_; }
    void mirrored(std::span<const std::uint8_t> frame);
    // The tap's counts read before every copy made until now was passed to mirrored() (see above).
    void sample(TapCounts at);
    void missed() { ++missed_; }
    // The unread frames, oldest first (empty when none or unknown; note() says why).
    std::vector<Frame> unread(TapCounts now);
    const std::string& note() const { return note_; }
    std::uint64_t total() const { return total_; }
    std::uint64_t backlog() const { return backlog_; }  // frames queued before the start, as learnt

private:
    std::uint32_t max_frames_;
    bool started_ = false;
    TapCounts start_;
    std::deque<Frame> window_;
    std::uint64_t total_ = 0;
    std::uint64_t missed_ = 0;
    std::uint64_t backlog_ = 0;
    std::string note_;
};

}  // namespace nf::netpass
