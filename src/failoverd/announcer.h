#pragma once
// Announces the master's addresses on every switch of the active slave: `count` rounds, `interval` apart,
// each round one gratuitous ARP per IPv4 and one unsolicited NA per IPv6 address. It owns no timer and
// no socket: the daemon sends through the injected function (AF_PACKET on the new active slave) and
// arms its timer for next_due().
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "common/mac_address.h"
#include "failoverd/announce_frames.h"
#include "failoverd_control/daemon_config.h"
#include "failoverd_control/status_report.h"  // AnnounceCounters

namespace nf::daemon {

struct MasterAddresses {
    MacAddress mac;
    std::vector<Ipv4Address> ipv4;
    std::vector<Ipv6Address> ipv6;
};


class Announcer {
public:
    using Clock = std::chrono::steady_clock;
    // May throw (nf::SystemError from sendto); counted, never stops the daemon.
    using SendFrame = std::function<void(std::span<const std::uint8_t>)>;

    Announcer(AnnouncePolicy policy, SendFrame send) : policy_(policy), send_(std::move(send)) {}

    // One round's frames: the ARPs first, then the NAs, in address order.
    static std::vector<Frame> round_frames(const MasterAddresses& addresses);

    // A switch: send the first round now and schedule the rest. Replaces a burst still under way,
    // since the old one announces a port that is no longer active.
    void start(const MasterAddresses& addresses, Clock::time_point now);
    // Sends the round that is due, if any. A late call sends one round, not the backlog.
    void on_timer(Clock::time_point now);
    // When on_timer() wants to run next; nullopt when no burst is under way.
    std::optional<Clock::time_point> next_due() const;
    void cancel() { rounds_left_ = 0; }

    const AnnounceCounters& counters() const { return counters_; }

private:
    void send_round();

    AnnouncePolicy policy_;
    SendFrame send_;
    std::vector<Frame> frames_;
    unsigned rounds_left_ = 0;
    Clock::time_point next_{};
    AnnounceCounters counters_;
};

}  // namespace nf::daemon
