#pragma once
// What a tap hands its reader (the VMM): the numbered UDP datagrams of the stream toward the guest as they
// leave the tap (AF_PACKET, PACKET_OUTGOING: after tc egress, as the tap queues them for QEMU), in order,
// with the host's CLOCK_MONOTONIC. Beside the tap's own counters (tx_packets: read by QEMU, tx_dropped:
// its queue was full) it tells where a frame lost toward the guest went: never queued on the tap, dropped
// by the tap, or handed to QEMU and lost or reordered past it.
#include <cstdint>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"

namespace nf::vmtest {

struct TapDatagram {
    std::uint64_t sequence = 0;
    std::int64_t at_ns = 0;
};

struct TapCounters {
    std::uint64_t tx_packets = 0;  // frames the tap's reader took
    std::uint64_t tx_dropped = 0;  // frames the tap dropped (its queue full)
};

// The tap's counters, from /sys in the namespace (`ip -n NETNS -s link`).
TapCounters tap_counters(const std::string& netns, const std::string& tap);

class TapCapture {
public:
    // Captures the datagrams of UDP port `port` leaving `tap` in /run/netns/`netns` from now on.
    TapCapture(const std::string& netns, const std::string& tap, std::uint16_t port);
    ~TapCapture();
    TapCapture(const TapCapture&) = delete;
    TapCapture& operator=(const TapCapture&) = delete;

    // Stops capturing; what left the tap, in order.
    std::vector<TapDatagram> stop();
    std::uint64_t missed() const { return missed_; }  // the socket's own drops (PACKET_STATISTICS)
    std::uint64_t frames() const { return frames_; }  // every frame that left the tap, of any kind

private:
    std::uint16_t port_;
    UniqueFd socket_;
    std::vector<TapDatagram> seen_;
    std::uint64_t missed_ = 0;
    std::uint64_t frames_ = 0;
    std::jthread thread_;
};

// The order of what left a tap.
struct TapOrder {
    std::uint64_t count = 0;
    std::uint64_t first = 0, last = 0;  // the lowest and highest sequence number
    std::uint64_t missing = 0;          // numbers between them that never left the tap
    std::uint64_t behind = 0;           // datagrams that left after a higher number
};
TapOrder tap_order(const std::vector<TapDatagram>& seen);

// Out-of-order and gaps in what left a tap: "n datagrams, seq A..B, k behind a higher one (first at ...)".
std::string describe_order(const std::vector<TapDatagram>& seen, std::int64_t origin_ns);

}  // namespace nf::vmtest
