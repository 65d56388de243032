#pragma once
// The 1 kHz streams of the netpass comparison (tests/vm/netpass_guest_test.cpp): numbered UDP datagrams
// (the lab's wire format, src/lab/traffic), one each way, counted by sequence number.
//   guest -> host: the project's `failover-traffic send` inside the guest (scripts/build-guest puts it
//                  there), received in this process in the test's namespace by the lab's Receiver. Arrival
//                  times are the host's CLOCK_MONOTONIC: the guest's clock stands still while QEMU is
//                  paused, the host's does not, so the outage is the one the network sees.
//   host -> guest: the lab's Sender in this process (absolute deadlines: a late wake-up sends at once,
//                  never skips a number), `failover-traffic recv --json` in the guest; lost, reordered and
//                  duplicated come from its analysis. Its outage is timed on the host by a ping beside it
//                  (the guest's receive times are on the guest's clock).
#include <cstdint>
#include <memory>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "lab/traffic/clock.h"
#include "lab/traffic/receiver.h"
#include "lab/traffic/recorder.h"
#include "lab/traffic/sender.h"
#include "qemu_vm.h"

namespace nf::vmtest {

// One direction of a stream inside a measured window, counted by sequence number.
struct StreamFigures {
    std::uint64_t sent = 0;        // sequence numbers in the window, up to the highest one delivered
    std::uint64_t delivered = 0;
    std::uint64_t lost = 0;        // never delivered (the guest's "not sent" included: none at 1 kHz)
    std::uint64_t reordered = 0;   // delivered after a higher sequence number
    std::uint64_t duplicated = 0;  // delivered more than once
    double max_gap_ms = 0;         // longest time between two deliveries (host clock)
    double interval_ms = 1;
    // guest -> host: the first lost sequence numbers, each with the host's arrival time (CLOCK_MONOTONIC) of
    // the last datagram delivered before it: where on the migration's timeline they went.
    std::vector<std::pair<std::uint64_t, std::int64_t>> lost_after;
    double outage_ms() const { return max_gap_ms > interval_ms ? max_gap_ms - interval_ms : 0; }
    std::string describe() const;
};

class GuestToHostStream {
public:
    // Binds kHostIp:kPort in `netns` (the test's own namespace), then starts the guest's sender at `rate`
    // for at most `max_seconds` (its own bound, should the test never stop it).
    GuestToHostStream(QemuVm& vm, const std::string& netns, double rate = 1000, int max_seconds = 240);
    ~GuestToHostStream();
    GuestToHostStream(const GuestToHostStream&) = delete;
    GuestToHostStream& operator=(const GuestToHostStream&) = delete;

    static constexpr int kPort = 5219;

    std::uint64_t received() const { return recorder_.counters().accepted; }
    // The measured window starts now: datagrams sent after the last one delivered before this call count.
    void mark() { window_from_ns_ = lab::monotonic_ns(); }
    // The guest (and its sender) now runs in another QEMU: it was migrated there.
    void moved_to(QemuVm& vm) { vm_ = &vm; }
    // Stops the guest's sender (SIGINT), lets the last datagrams arrive, stops the receiver; the window's
    // figures.
    StreamFigures stop();

private:
    void stop_sender() noexcept;

    QemuVm* vm_;
    double rate_;
    std::string pid_;
    lab::Recorder recorder_;
    std::unique_ptr<lab::Receiver> receiver_;
    std::jthread thread_;
    std::int64_t window_from_ns_ = 0;
};

class HostToGuestStream {
public:
    // Starts the guest's receiver on kGuestIp:kPort, then sends from the test's namespace at `rate` for at
    // most `max_seconds`.
    HostToGuestStream(QemuVm& vm, const std::string& netns, double rate = 1000, int max_seconds = 240);
    ~HostToGuestStream();
    HostToGuestStream(const HostToGuestStream&) = delete;
    HostToGuestStream& operator=(const HostToGuestStream&) = delete;

    static constexpr int kPort = 5220;

    std::uint64_t sent() const { return sender_->stats().sent; }
    void moved_to(QemuVm& vm) { vm_ = &vm; }
    // Ends the stream (the receiver keeps listening for what is still on its way): the window can close
    // before a later event, e.g. the VF's re-plug.
    void stop_sending();
    // Stops sending, lets the last datagrams arrive, stops the guest's receiver and reads its analysis
    // (every datagram of the stream counts: start it when the window starts). max_gap_ms stays 0.
    StreamFigures stop();

private:
    void stop_receiver() noexcept;

    QemuVm* vm_;
    double rate_;
    std::string pid_;
    std::unique_ptr<lab::Sender> sender_;
    std::jthread thread_;
};

}  // namespace nf::vmtest
