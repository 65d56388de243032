#include "failoverd/announcer.h"

#include <exception>

#include <spdlog/spdlog.h>

namespace nf::daemon {

std::vector<Frame> Announcer::round_frames(const MasterAddresses& a) {
    std::vector<Frame> frames;
    frames.reserve(a.ipv4.size() + a.ipv6.size());
    for (const auto& ip : a.ipv4) frames.push_back(build_gratuitous_arp(a.mac, ip));
    for (const auto& ip : a.ipv6) frames.push_back(build_unsolicited_na(a.mac, ip));
    return frames;
}

void Announcer::start(const MasterAddresses& addresses, Clock::time_point now) {
    frames_ = round_frames(addresses);
    rounds_left_ = frames_.empty() ? 0 : policy_.count;
    next_ = now;
    on_timer(now);
}

void Announcer::on_timer(Clock::time_point now) {
    if (rounds_left_ == 0 || now < next_) return;
    send_round();
    --rounds_left_;
    next_ = now + policy_.interval;
}

std::optional<Announcer::Clock::time_point> Announcer::next_due() const {
    if (rounds_left_ == 0) return std::nullopt;
    return next_;
}

void Announcer::send_round() {
    ++counters_.rounds;
    for (const auto& frame : frames_) {
        try {
            send_(frame);
            ++counters_.frames_sent;
        } catch (const std::exception& e) {
            ++counters_.send_errors;
            spdlog::warn("announce: sending a {}-byte frame failed: {}", frame.size(), e.what());
        }
    }
}

}  // namespace nf::daemon
