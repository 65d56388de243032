#include "lab/traffic/recorder.h"

#include <algorithm>
#include <stdexcept>

#include "lab/traffic/send_log.h"

namespace nf::lab {

Recorder::Recorder(Config config) : config_(config) {
    config_.capacity_per_stream = std::min(config_.capacity_per_stream, kMaxLogEntries);
}

PathId Recorder::path_id(std::string_view label) {
    std::lock_guard lock(mutex_);
    const auto found = std::find(labels_.begin() + 1, labels_.end(), label);
    if (found != labels_.end()) return static_cast<PathId>(found - labels_.begin());
    if (labels_.size() > 255) throw std::length_error("traffic recorder: more than 255 path labels");
    labels_.emplace_back(label);
    return static_cast<PathId>(labels_.size() - 1);
}

std::vector<std::string> Recorder::path_labels() const {
    std::lock_guard lock(mutex_);
    return labels_;
}

Recorder::Stream* Recorder::find_or_add(StreamKey key) {
    if (auto it = streams_.find(key); it != streams_.end()) return &it->second;
    if (streams_.size() >= config_.max_streams) return nullptr;
    Stream& stream = streams_[key];
    stream.entries.resize(config_.capacity_per_stream);
    return &stream;
}

void Recorder::expect_stream(StreamKey key) {
    std::lock_guard lock(mutex_);
    find_or_add(key);
}

void Recorder::on_datagram(std::span<const std::byte> datagram, std::int64_t rx_ns, PathId path) {
    const DecodeResult decoded = decode(datagram);
    if (decoded.header) {
        on_packet(*decoded.header, rx_ns, path);
        return;
    }
    std::lock_guard lock(mutex_);
    ++counters_.datagrams;
    switch (decoded.error) {
        case DecodeError::Short: ++counters_.short_datagrams; break;
        case DecodeError::BadMagic: ++counters_.bad_magic; break;
        case DecodeError::BadVersion: ++counters_.bad_version; break;
        case DecodeError::BadDirection: ++counters_.bad_direction; break;
    }
}

void Recorder::on_packet(const PacketHeader& header, std::int64_t rx_ns, PathId path) {
    std::lock_guard lock(mutex_);
    ++counters_.datagrams;
    Stream* stream = find_or_add({header.stream_id, header.direction});
    if (!stream) {
        ++counters_.beyond_streams;
        return;
    }
    if (header.sequence >= stream->entries.size()) {
        ++counters_.beyond_capacity;
        return;
    }
    ++counters_.accepted;
    ReceiveEntry& entry = stream->entries[header.sequence];
    if (entry.copies++ > 0) return;  // a duplicate: only its count matters
    entry.first_rx_ns = rx_ns;
    entry.send_ns = header.send_ns;
    entry.sender_tag = header.path_tag;
    if (path != kNoPath) entry.path = path;
    entry.reordered = stream->any && header.sequence < stream->highest;
    if (!stream->any || header.sequence > stream->highest) stream->highest = header.sequence;
    stream->any = true;
}

void Recorder::note_path(const PacketHeader& header, PathId path) {
    std::lock_guard lock(mutex_);
    Stream* stream = find_or_add({header.stream_id, header.direction});
    if (!stream || header.sequence >= stream->entries.size()) return;
    ReceiveEntry& entry = stream->entries[header.sequence];
    // The first tap to see it wins, as with on_packet: a duplicate on the other path does not relabel.
    if (entry.path == kNoPath) entry.path = path;
}

std::vector<StreamKey> Recorder::streams() const {
    std::lock_guard lock(mutex_);
    std::vector<StreamKey> keys;
    for (const auto& [key, stream] : streams_) keys.push_back(key);
    return keys;
}

std::span<const ReceiveEntry> Recorder::entries(StreamKey key) const {
    std::lock_guard lock(mutex_);
    const auto it = streams_.find(key);
    if (it == streams_.end()) return {};
    return it->second.entries;
}

RecorderCounters Recorder::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

}  // namespace nf::lab
