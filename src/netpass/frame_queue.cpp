#include "netpass/frame_queue.h"

namespace nf::netpass {

bool FrameQueue::push(std::span<const std::uint8_t> frame) {
    if (frames_.size() >= max_frames_ || bytes_ + frame.size() > max_bytes_) {
        ++dropped_;
        return false;
    }
    frames_.emplace_back(frame.begin(), frame.end());
    bytes_ += frame.size();
    return true;
}

Frame FrameQueue::pop() {
    Frame f = std::move(frames_.front());
    frames_.pop_front();
    bytes_ -= f.size();
    return f;
}

void FrameQueue::clear() {
    frames_.clear();
    bytes_ = 0;
}

}  // namespace nf::netpass
