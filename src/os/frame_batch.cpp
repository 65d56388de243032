#include "os/frame_batch.h"

#include <cstring>

namespace nf::os {

FrameBatch::FrameBatch(std::size_t frames, std::size_t frame_size)
    : frame_size_(frame_size), storage_(frames * frame_size), iovs_(frames), msgs_(frames) {
    for (std::size_t i = 0; i < frames; ++i) {
        iovs_[i] = {storage_.data() + i * frame_size_, frame_size_};
        msgs_[i] = {};
        msgs_[i].msg_hdr.msg_iov = &iovs_[i];
        msgs_[i].msg_hdr.msg_iovlen = 1;
    }
}

void FrameBatch::set_length(std::size_t i, std::size_t len) { msgs_[i].msg_len = static_cast<unsigned>(len); }

void FrameBatch::move_frame(std::size_t from, std::size_t to) {
    std::memmove(storage_.data() + to * frame_size_, storage_.data() + from * frame_size_, msgs_[from].msg_len);
    msgs_[to].msg_len = msgs_[from].msg_len;
    msgs_[to].msg_hdr.msg_flags = 0;
}

mmsghdr* FrameBatch::prepare_receive() {
    for (auto& iov : iovs_) iov.iov_len = frame_size_;
    for (auto& msg : msgs_) msg.msg_hdr.msg_flags = 0;
    return msgs_.data();
}

mmsghdr* FrameBatch::prepare_send(std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) iovs_[i].iov_len = msgs_[i].msg_len;
    return msgs_.data();
}

}  // namespace nf::os
