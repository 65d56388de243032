#pragma once
// Sends one sequenced stream at a fixed rate. Drift-free: packet i is due at start + i/rate on an
// absolute CLOCK_MONOTONIC deadline, so a late wake-up does not push later packets back. A send the
// kernel refuses (ENETUNREACH while a link is down, ENOBUFS, ...) is logged as "not sent" and the stream
// goes on. Bounded: it stops at the end of its duration, when asked, or when its send log is full.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "common/unique_fd.h"
#include "lab/traffic/recorder.h"
#include "lab/traffic/send_log.h"
#include "lab/traffic/udp_address.h"
#include "lab/traffic/wire.h"

namespace nf::lab {

struct SenderConfig {
    UdpAddress to;
    std::optional<UdpAddress> bind;  // source address/port; none = the kernel picks
    double rate = 1000;              // packets per second
    double duration_s = 0;           // 0 = until stopped (or the log is full)
    std::size_t datagram_size = 64;  // UDP payload bytes, >= PacketHeader::kSize
    std::uint32_t stream_id = 1;
    Direction direction = Direction::ClientToVm;
    std::uint16_t path_tag = 0;
    std::size_t max_packets = 0;  // log capacity; 0 = log_capacity_for(rate, duration_s)
};

struct SenderStats {
    std::uint64_t attempted = 0;
    std::uint64_t sent = 0;
    std::uint64_t send_errors = 0;
    std::map<int, std::uint64_t> errors_by_errno;
    bool stopped_at_capacity = false;  // the log filled up before the duration ended
};

class Sender {
public:
    // Opens its socket in the calling thread's network namespace. Throws ConfigError on a bad config.
    explicit Sender(SenderConfig config);
    // Uses a socket the caller opened (e.g. inside another namespace).
    Sender(SenderConfig config, UniqueFd socket);

    // Blocks until the duration is over, `stop` is requested, or the log is full. Call once.
    void run(std::stop_token stop = {});

    StreamKey key() const { return {config_.stream_id, config_.direction}; }
    // Safe to read while running.
    SenderStats stats() const;
    // Read after run() has returned.
    const SendLog& log() const { return log_; }

private:
    void send_one(std::uint64_t sequence);

    SenderConfig config_;
    UniqueFd socket_;
    SendLog log_;
    std::vector<std::byte> datagram_;  // reused: no allocation per packet
    mutable std::mutex stats_mutex_;
    SenderStats stats_;
};

}  // namespace nf::lab
