#include "migration/netpass_cache.h"

namespace nf::migration {

void NetpassCache::start() {
    std::lock_guard lock(mutex_);
    frames_.clear();
    bytes_ = 0;
    capturing_ = true;
}

void NetpassCache::stop() {
    std::lock_guard lock(mutex_);
    capturing_ = false;
}

bool NetpassCache::capturing() const {
    std::lock_guard lock(mutex_);
    return capturing_;
}

bool NetpassCache::keep(ByteView frame, std::uint32_t vnet_header_length) {
    std::lock_guard lock(mutex_);
    if (!capturing_) return false;
    const bool malformed = vnet_header_length > frame.size() || frame.size() - vnet_header_length < kEthernetHeaderSize ||
                           frame.size() > kNetpassMaxFrameBytes;
    if (malformed || frames_.size() >= limits_.max_frames || bytes_ + frame.size() > limits_.max_bytes) {
        ++counters_.dropped;
        return false;
    }
    frames_.push_back({vnet_header_length, Bytes(frame.begin(), frame.end())});
    bytes_ += frame.size();
    ++counters_.kept;
    return true;
}

Bytes NetpassCache::take_tail(std::size_t max_section_bytes) {
    std::vector<NetpassFrame> frames;
    {
        std::lock_guard lock(mutex_);
        capturing_ = false;
        frames.swap(frames_);
        bytes_ = 0;
        counters_.sent += frames.size();
    }
    Bytes out;
    Bytes payload;
    for (const auto& frame : frames) {
        // Split at record boundaries so no section exceeds the reader's limit on the destination.
        if (!payload.empty() && payload.size() + kNetpassRecordHeaderSize + frame.bytes.size() > max_section_bytes) {
            put_bytes(out, encode_section(SectionType::Netpass, payload));
            payload.clear();
        }
        append_record(payload, frame);
    }
    if (!payload.empty()) put_bytes(out, encode_section(SectionType::Netpass, payload));
    put_bytes(out, encode_eof());
    return out;
}

std::vector<NetpassFrame> NetpassCache::take_frames() {
    std::lock_guard lock(mutex_);
    capturing_ = false;
    std::vector<NetpassFrame> frames;
    frames.swap(frames_);
    bytes_ = 0;
    counters_.returned += frames.size();
    return frames;
}

std::size_t NetpassCache::frames() const {
    std::lock_guard lock(mutex_);
    return frames_.size();
}

std::size_t NetpassCache::bytes() const {
    std::lock_guard lock(mutex_);
    return bytes_;
}

NetpassCounters NetpassCache::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

}  // namespace nf::migration
