#include "net/udp_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include <cstring>

#include "common/error.h"
#include "os/netns.h"

namespace nf::bench {
namespace {

UniqueFd udp_socket_in(const BenchNetns& ns) {
    os::NetnsScope scope(ns.netns());
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("udp socket in " + ns.name());
    return fd;
}

sockaddr_in address(const std::string& ip, std::uint16_t port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    if (::inet_pton(AF_INET, ip.c_str(), &sa.sin_addr) != 1) throw ConfigError("bad IPv4 address " + ip);
    return sa;
}

}  // namespace

UdpReceiver::UdpReceiver(const BenchNetns& ns, std::uint16_t port) : fd_(udp_socket_in(ns)) {
    const sockaddr_in sa = address("0.0.0.0", port);
    check_syscall(::bind(fd_.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa), "bind udp receiver");
    int buf = 4 << 20;
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
    arrivals_.reserve(200'000);
    thread_ = std::thread([this] { loop(); });
}

UdpReceiver::~UdpReceiver() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

void UdpReceiver::loop() {
    while (!stop_.load()) {
        pollfd pfd{fd_.get(), POLLIN, 0};
        if (::poll(&pfd, 1, 10) <= 0) continue;
        std::uint32_t seq = 0;
        char buf[256];
        for (;;) {
            const ssize_t n = ::recv(fd_.get(), buf, sizeof buf, MSG_DONTWAIT);
            if (n < static_cast<ssize_t>(sizeof seq)) break;
            const auto at = Clock::now();
            std::memcpy(&seq, buf, sizeof seq);
            std::lock_guard lock(mutex_);
            arrivals_.push_back({seq, at});
        }
    }
}

std::vector<Arrival> UdpReceiver::arrivals() const {
    std::lock_guard lock(mutex_);
    return arrivals_;
}

void UdpReceiver::clear() {
    std::lock_guard lock(mutex_);
    arrivals_.clear();
}

UdpSender::UdpSender(const BenchNetns& ns, const std::string& dst, std::uint16_t port, double rate_hz)
    : fd_(udp_socket_in(ns)) {
    const sockaddr_in sa = address(dst, port);
    check_syscall(::connect(fd_.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa), "connect udp sender");
    sent_.reserve(200'000);
    const auto period = std::chrono::nanoseconds(static_cast<long long>(1e9 / rate_hz));
    thread_ = std::thread([this, period] { loop(period); });
}

UdpSender::~UdpSender() { stop(); }

void UdpSender::stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
}

void UdpSender::loop(std::chrono::nanoseconds period) {
    auto next = Clock::now();
    char payload[64] = {};
    for (std::uint32_t seq = 0; !stop_.load(); ++seq) {
        std::memcpy(payload, &seq, sizeof seq);
        const bool ok = ::send(fd_.get(), payload, sizeof payload, MSG_DONTWAIT) == sizeof payload;
        {
            std::lock_guard lock(mutex_);
            sent_.push_back({Clock::now(), ok});
        }
        next += period;
        const auto now = Clock::now();
        // Behind by more than 10 periods (the machine stalled us): restart the schedule rather than burst.
        if (now - next > 10 * period) next = now;
        const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(next.time_since_epoch()).count();
        timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
        ::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
    }
}

std::vector<Sent> UdpSender::sent() const {
    std::lock_guard lock(mutex_);
    return sent_;
}

}  // namespace nf::bench
