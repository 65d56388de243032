#pragma once
// A FIFO of whole frames bounded by frames and bytes, counting what it refused.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

namespace nf::netpass {

using Frame = std::vector<std::uint8_t>;

class FrameQueue {
public:
    FrameQueue(std::uint32_t max_frames, std::uint64_t max_bytes) : max_frames_(max_frames), max_bytes_(max_bytes) {}
    // false (and counted as dropped) when the frame would exceed a bound.
    bool push(std::span<const std::uint8_t> frame);
    bool empty() const { return frames_.empty(); }
    std::size_t size() const { return frames_.size(); }
    std::uint64_t bytes() const { return bytes_; }
    std::uint64_t dropped() const { return dropped_; }
    Frame pop();
    void clear();

private:
    std::uint32_t max_frames_;
    std::uint64_t max_bytes_;
    std::deque<Frame> frames_;
    std::uint64_t bytes_ = 0;
    std::uint64_t dropped_ = 0;
};

}  // namespace nf::netpass
