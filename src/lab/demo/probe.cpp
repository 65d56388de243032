#include "lab/demo/probe.h"

#include <sys/socket.h>

#include <thread>

#include "common/error.h"
#include "lab/traffic/udp_address.h"
#include "os/netns.h"

namespace nf::lab::demo {
namespace {

struct Socket {
    UniqueFd fd;
    UdpAddress local;
};

Socket bound_socket(const ProbeEnd& end, std::uint16_t port) {
    const os::NetnsScope scope(os::Netns::open_named(end.netns));
    Socket s{UniqueFd(), UdpAddress::parse(end.ip + ":" + std::to_string(port))};
    s.fd = open_udp_socket(&s.local);
    return s;
}

bool received(const Socket& s) {
    bool any = false;
    char buffer[64];
    while (::recv(s.fd.get(), buffer, sizeof buffer, MSG_DONTWAIT) > 0) any = true;
    return any;
}

void send_to(const Socket& from, const Socket& to) {
    static constexpr char kProbe[] = "netfailover demo probe";
    (void)::sendto(from.fd.get(), kProbe, sizeof kProbe, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&to.local.sockaddr),
                   sizeof to.local.sockaddr);
}

}  // namespace

void probe_both_ways(const ProbeEnd& a, const ProbeEnd& b, std::uint16_t port, std::chrono::milliseconds timeout) {
    const Socket sa = bound_socket(a, port), sb = bound_socket(b, port);
    bool a_to_b = false, b_to_a = false;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!(a_to_b && b_to_a)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            std::string what;
            if (!a_to_b) what += a.netns + " -> " + b.ip;
            if (!b_to_a) what += std::string(what.empty() ? "" : " and ") + b.netns + " -> " + a.ip;
            throw SystemError(ETIMEDOUT, "no UDP got through " + what + " (port " + std::to_string(port) + ") within " +
                                             std::to_string(timeout.count()) + " ms");
        }
        if (!a_to_b) send_to(sa, sb);
        if (!b_to_a) send_to(sb, sa);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        a_to_b = a_to_b || received(sb);
        b_to_a = b_to_a || received(sa);
    }
}

}  // namespace nf::lab::demo
