#include "tap_capture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "lab/traffic/clock.h"
#include "lab/traffic/wire.h"
#include "netns_socket.h"

namespace nf::vmtest {
namespace {

// An AF_PACKET socket bound to `tap` in its namespace.
UniqueFd capture_socket(const std::string& netns, const std::string& tap) {
    return socket_in_netns(netns, "tap capture", [&] {
        const unsigned ifindex = ::if_nametoindex(tap.c_str());
        if (ifindex == 0) throw std::runtime_error("no tap " + tap);
        // ETH_P_ALL: a frame leaving a device reaches only the all-protocol taps (dev_queue_xmit_nit).
        UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL)));
        sockaddr_ll at{};
        at.sll_family = AF_PACKET;
        at.sll_protocol = htons(ETH_P_ALL);
        at.sll_ifindex = static_cast<int>(ifindex);
        // 4 MiB: a burst of injected frames must not overflow the capture itself (counted anyway).
        const int buffer = 4 << 20;
        if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) < 0 ||
            ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &buffer, sizeof buffer) < 0)
            throw std::runtime_error(std::string("AF_PACKET on ") + tap + ": " + std::strerror(errno));
        return fd;
    });
}

std::uint64_t read_counter(const std::string& netns, const std::string& tap, const char* name) {
    // /sys/class/net shows the namespace of whoever mounted /sys: read through a thread inside it instead.
    std::uint64_t value = 0;
    run_in_netns(netns, "tap counters", [&] {
        std::ifstream in("/proc/thread-self/net/dev");
        for (std::string line; std::getline(in, line);) {
            const auto colon = line.find(':');
            if (colon == std::string::npos) continue;
            const auto first = line.find_first_not_of(' ');
            if (line.substr(first, colon - first) != tap) continue;
            std::istringstream fields(line.substr(colon + 1));
            std::uint64_t v[16] = {};
            for (auto& x : v) fields >> x;
            value = std::strcmp(name, "tx_packets") == 0 ? v[9] : v[11];
            return;
        }
        throw std::runtime_error(tap + " not in /proc/net/dev");
    });
    return value;
}

}  // namespace

TapCounters tap_counters(const std::string& netns, const std::string& tap) {
    return {read_counter(netns, tap, "tx_packets"), read_counter(netns, tap, "tx_dropped")};
}

TapCapture::TapCapture(const std::string& netns, const std::string& tap, std::uint16_t port)
    : port_(port), socket_(capture_socket(netns, tap)) {
    thread_ = std::jthread([this](std::stop_token stop) {
        std::uint8_t frame[2048];
        while (!stop.stop_requested()) {
            pollfd p{socket_.get(), POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            for (;;) {
                sockaddr_ll from{};
                socklen_t len = sizeof from;
                const ssize_t n = ::recvfrom(socket_.get(), frame, sizeof frame, MSG_DONTWAIT,
                                             reinterpret_cast<sockaddr*>(&from), &len);
                if (n < 0) break;
                if (from.sll_pkttype != PACKET_OUTGOING) continue;
                ++frames_;
                if (n < 14 + 20 + 8 || frame[12] != 0x08 || frame[13] != 0) continue;
                const auto* ip = reinterpret_cast<const iphdr*>(frame + 14);
                if (ip->protocol != IPPROTO_UDP) continue;
                const std::size_t l4 = 14 + ip->ihl * 4u;
                if (static_cast<std::size_t>(n) < l4 + 8) continue;
                const auto* udp = reinterpret_cast<const udphdr*>(frame + l4);
                if (ntohs(udp->dest) != port_) continue;
                const auto d = lab::decode(std::span(reinterpret_cast<const std::byte*>(frame + l4 + 8),
                                                     static_cast<std::size_t>(n) - l4 - 8));
                if (d.header) seen_.push_back({d.header->sequence, lab::monotonic_ns()});
            }
        }
    });
}

TapCapture::~TapCapture() { stop(); }

std::vector<TapDatagram> TapCapture::stop() {
    thread_.request_stop();
    if (thread_.joinable()) thread_.join();
    tpacket_stats stats{};
    socklen_t len = sizeof stats;
    if (socket_ && ::getsockopt(socket_.get(), SOL_PACKET, PACKET_STATISTICS, &stats, &len) == 0) missed_ += stats.tp_drops;
    return seen_;
}

TapOrder tap_order(const std::vector<TapDatagram>& seen) {
    TapOrder o;
    if (seen.empty()) return o;
    o.count = seen.size();
    o.first = seen.front().sequence;
    for (std::size_t i = 0; i < seen.size(); ++i) {
        if (i > 0 && seen[i].sequence < o.last) ++o.behind;
        o.first = std::min(o.first, seen[i].sequence);
        o.last = std::max(o.last, seen[i].sequence);
    }
    std::vector<std::uint64_t> s;
    for (const auto& d : seen) s.push_back(d.sequence);
    std::sort(s.begin(), s.end());
    s.erase(std::unique(s.begin(), s.end()), s.end());
    o.missing = o.last - o.first + 1 - s.size();
    return o;
}

std::string describe_order(const std::vector<TapDatagram>& seen, std::int64_t origin_ns) {
    if (seen.empty()) return "none";
    std::uint64_t lo = seen.front().sequence, hi = 0, behind = 0;
    std::string firsts;
    std::uint64_t highest = 0;
    bool any = false;
    for (const auto& d : seen) {
        lo = std::min(lo, d.sequence);
        hi = std::max(hi, d.sequence);
        if (any && d.sequence < highest) {
            if (behind < 6)
                firsts += " " + std::to_string(d.sequence) + "<" + std::to_string(highest) + "@+" +
                          std::to_string((d.at_ns - origin_ns) / 1000000) + "ms";
            ++behind;
        }
        highest = std::max(highest, d.sequence);
        any = true;
    }
    std::vector<std::uint64_t> s;
    for (const auto& d : seen) s.push_back(d.sequence);
    std::sort(s.begin(), s.end());
    s.erase(std::unique(s.begin(), s.end()), s.end());
    std::string gaps;
    int shown = 0;
    for (std::size_t i = 1; i < s.size(); ++i)
        if (s[i] != s[i - 1] + 1 && shown++ < 6) gaps += " " + std::to_string(s[i - 1] + 1) + "-" + std::to_string(s[i] - 1);
    return std::to_string(seen.size()) + " datagrams, seq " + std::to_string(lo) + ".." + std::to_string(hi) + ", " +
           std::to_string(hi - lo + 1 - s.size()) + " missing (" + (gaps.empty() ? "none" : gaps.substr(1)) + "), " +
           std::to_string(behind) + " behind a higher one" + firsts;
}

}  // namespace nf::vmtest
