#include "vmm/netpass_frames.h"

namespace nf::vmm {

void KeepPausedFrames::take(std::span<const std::byte> frame) {
    const std::lock_guard lock(mutex_);
    if (!capturing_) {
        count(pv_.rx_dropped_paused);
        return;
    }
    if (frames_.size() >= limits_.max_frames || bytes_ + frame.size() > limits_.max_bytes) {
        ++counters_.dropped;
        count(pv_.rx_dropped_paused);
        return;
    }
    frames_.push_back({std::vector<std::byte>(frame.begin(), frame.end()), vnet_hdr_len_});
    bytes_ += frame.size();
    ++counters_.kept;
    counters_.kept_bytes += frame.size();
}

void KeepPausedFrames::set_capturing(bool on) {
    const std::lock_guard lock(mutex_);
    if (on && !capturing_) {
        frames_.clear();
        bytes_ = 0;
        counters_ = {};
    }
    capturing_ = on;
}

std::vector<PassedFrame> KeepPausedFrames::drain() {
    const std::lock_guard lock(mutex_);
    std::vector<PassedFrame> out = std::move(frames_);
    frames_.clear();
    bytes_ = 0;
    counters_.taken += out.size();
    return out;
}

NetpassCounters KeepPausedFrames::counters() const {
    const std::lock_guard lock(mutex_);
    return counters_;
}

nlohmann::json KeepPausedFrames::describe() const {
    const std::lock_guard lock(mutex_);
    return {{"capturing", capturing_},      {"kept", counters_.kept},
            {"kept-bytes", counters_.kept_bytes}, {"dropped", counters_.dropped},
            {"taken", counters_.taken},     {"cached", frames_.size()},
            {"max-frames", limits_.max_frames}, {"max-bytes", limits_.max_bytes}};
}

}  // namespace nf::vmm
