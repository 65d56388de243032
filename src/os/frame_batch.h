#pragma once
// A bounded set of frame buffers laid out for recvmmsg/sendmmsg: N slots of a fixed size (big enough
// for a 64 KiB GSO frame and its vnet header), allocated once.
#include <sys/socket.h>

#include <cstddef>
#include <span>
#include <vector>

namespace nf::os {

class FrameBatch {
public:
    static constexpr std::size_t kMaxFrame = 65536 + 256;  // GSO frame + vnet/L2 headers

    explicit FrameBatch(std::size_t frames, std::size_t frame_size = kMaxFrame);
    FrameBatch(const FrameBatch&) = delete;
    FrameBatch& operator=(const FrameBatch&) = delete;

    std::size_t capacity() const { return msgs_.size(); }
    std::size_t frame_size() const { return frame_size_; }
    // The whole buffer of slot i (to fill), or the filled part (to send).
    std::span<std::byte> buffer(std::size_t i) { return {storage_.data() + i * frame_size_, frame_size_}; }
    std::span<const std::byte> frame(std::size_t i) const {
        return {storage_.data() + i * frame_size_, msgs_[i].msg_len};
    }
    std::size_t length(std::size_t i) const { return msgs_[i].msg_len; }
    void set_length(std::size_t i, std::size_t len);
    // Whether the frame received into slot i did not fit it (MSG_TRUNC).
    bool truncated(std::size_t i) const {
        return (msgs_[i].msg_hdr.msg_flags & MSG_TRUNC) != 0 || msgs_[i].msg_len > frame_size_;
    }
    // Copies frame `from` (and its length) into slot `to`: compacts a batch after a dropped frame.
    void move_frame(std::size_t from, std::size_t to);

    // For recvmmsg (every iov spans the full buffer) / sendmmsg (iov spans msg_len).
    mmsghdr* prepare_receive();
    mmsghdr* prepare_send(std::size_t count);

private:
    std::size_t frame_size_;
    std::vector<std::byte> storage_;
    std::vector<iovec> iovs_;
    std::vector<mmsghdr> msgs_;
};

}  // namespace nf::os
