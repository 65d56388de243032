#include "netpass/mirror_window.h"

#include <algorithm>

namespace nf::netpass {

void MirrorWindow::start(TapCounts at_start) {
    started_ = true;
    start_ = at_start;
    window_.clear();
    total_ = 0;
    missed_ = 0;
    backlog_ = 0;
}

void MirrorWindow::sample(TapCounts at) {
    if (!started_ || at.read < start_.read || at.dropped < start_.dropped) return;
    const std::uint64_t taken = (at.read - start_.read) + (at.dropped - start_.dropped);
    if (taken > total_) backlog_ = std::max(backlog_, taken - total_);
}

void MirrorWindow::mirrored(std::span<const std::uint8_t> frame) {
    if (!started_) return;
    ++total_;
    window_.emplace_back(frame.begin(), frame.end());
    if (window_.size() > max_frames_) window_.pop_front();
}

std::vector<Frame> MirrorWindow::unread(TapCounts now) {
    std::vector<Frame> out;
    if (!started_) {
        note_ = "not mirrored";
        return out;
    }
    if (missed_ > 0) {
        note_ = std::to_string(missed_) + " mirror copies did not fit the ring: unread frames unknown";
        return out;
    }
    if (now.read < start_.read || now.dropped < start_.dropped) {
        note_ = "the tap's counters went backwards";
        return out;
    }
    std::uint64_t taken = (now.read - start_.read) + (now.dropped - start_.dropped);
    taken -= std::min(taken, backlog_);  // the frames queued before the start went first
    if (taken > total_) {
        note_ = "the tap's reader took more frames than were mirrored (its queue was not empty at the start)";
        return out;
    }
    const std::uint64_t left = total_ - taken;
    if (left > window_.size()) {
        note_ = std::to_string(left) + " unread frames, more than the " + std::to_string(window_.size()) + " remembered";
        return out;
    }
    out.assign(window_.end() - static_cast<std::ptrdiff_t>(left), window_.end());
    note_ = "";
    return out;
}

}  // namespace nf::netpass
