#include "lab/traffic/sender.h"

#include <sys/socket.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "lab/traffic/clock.h"

namespace nf::lab {
namespace {

const SenderConfig& validated(const SenderConfig& config) {
    if (!(config.rate > 0 && config.rate <= 1'000'000))
        throw ConfigError("traffic rate must be in (0, 1000000] packets/s, got " + std::to_string(config.rate));
    if (!(config.duration_s >= 0)) throw ConfigError("traffic duration must be >= 0 s (0 = until stopped)");
    if (config.datagram_size < PacketHeader::kSize || config.datagram_size > PacketHeader::kMaxDatagram)
        throw ConfigError("traffic datagram size must be in [" + std::to_string(PacketHeader::kSize) + ", " +
                          std::to_string(PacketHeader::kMaxDatagram) + "], got " +
                          std::to_string(config.datagram_size));
    return config;
}

// Sleeps until the absolute deadline, waking at least every 50 ms to notice a stop request.
void sleep_until(std::int64_t deadline_ns, const std::stop_token& stop) {
    constexpr std::int64_t kSlice = 50'000'000;
    for (std::int64_t now = monotonic_ns(); now < deadline_ns && !stop.stop_requested(); now = monotonic_ns()) {
        const std::int64_t wake = std::min(deadline_ns, now + kSlice);
        const timespec ts{static_cast<time_t>(wake / 1'000'000'000), static_cast<long>(wake % 1'000'000'000)};
        ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);  // EINTR: the loop re-checks
    }
}

}  // namespace

Sender::Sender(SenderConfig config) : Sender(config, UniqueFd{}) {}

Sender::Sender(SenderConfig config, UniqueFd socket)
    : config_(validated(config)),
      socket_(socket ? std::move(socket) : open_udp_socket(config.bind ? &*config.bind : nullptr)),
      log_(config.max_packets ? config.max_packets : log_capacity_for(config.rate, config.duration_s)),
      datagram_(config.datagram_size) {}

void Sender::run(std::stop_token stop) {
    const std::int64_t start = monotonic_ns();
    const std::int64_t end = config_.duration_s > 0
                                 ? start + static_cast<std::int64_t>(std::llround(config_.duration_s * 1e9))
                                 : std::numeric_limits<std::int64_t>::max();
    const double period_ns = 1e9 / config_.rate;
    for (std::uint64_t seq = 0;; ++seq) {
        // Computed from the start each time, never accumulated: no drift.
        const std::int64_t deadline = start + static_cast<std::int64_t>(std::llround(static_cast<double>(seq) * period_ns));
        if (deadline >= end) break;
        sleep_until(deadline, stop);
        if (stop.stop_requested()) break;
        if (log_.full()) {
            std::lock_guard lock(stats_mutex_);
            stats_.stopped_at_capacity = true;
            break;
        }
        send_one(seq);
    }
}

void Sender::send_one(std::uint64_t sequence) {
    const std::int64_t now = monotonic_ns();
    encode({config_.stream_id, config_.direction, sequence, now, config_.path_tag}, datagram_);
    // Non-blocking: a full queue is a "not sent" (ENOBUFS/EAGAIN), never a stall of the schedule.
    const ssize_t rc = ::sendto(socket_.get(), datagram_.data(), datagram_.size(), MSG_DONTWAIT | MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&config_.to.sockaddr), sizeof config_.to.sockaddr);
    const int error = rc < 0 ? errno : (static_cast<std::size_t>(rc) == datagram_.size() ? 0 : EMSGSIZE);
    log_.append({now, error});
    std::lock_guard lock(stats_mutex_);
    ++stats_.attempted;
    if (error == 0) {
        ++stats_.sent;
    } else {
        ++stats_.send_errors;
        ++stats_.errors_by_errno[error];
    }
}

SenderStats Sender::stats() const {
    std::lock_guard lock(stats_mutex_);
    return stats_;
}

}  // namespace nf::lab
