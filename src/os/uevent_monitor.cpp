#include "os/uevent_monitor.h"

#include <linux/netlink.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <string_view>

#include "common/error.h"

namespace nf::os {

UeventMonitor::UeventMonitor(int receive_buffer)
    : fd_(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT)) {
    if (!fd_) throw_errno("uevent socket");
    // Bounded: the kernel drops what does not fit (ENOBUFS on the next read), which drain() counts.
    check_syscall(::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer),
                  "uevent socket: SO_RCVBUF");
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = 1;  // the kernel's group (udevd's rebroadcast is group 2)
    check_syscall(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), "uevent socket: bind group 1");
}

std::vector<UeventMessage> UeventMonitor::drain(std::size_t max_datagrams) {
    std::vector<UeventMessage> out;
    // One byte over the parser's limit: a datagram that fills it is oversized (MSG_TRUNC says so too).
    std::array<char, kMaxUeventBytes + 1> buffer;
    for (std::size_t i = 0; i < max_datagrams; ++i) {
        sockaddr_nl from{};
        iovec iov{buffer.data(), buffer.size()};
        msghdr msg{};
        msg.msg_name = &from;
        msg.msg_namelen = sizeof from;
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        const ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == ENOBUFS) {
                ++counters_.overruns;
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            // Any other error is the socket's pending one, reported once (sock_error clears it): counted, and
            // the next readiness reads on. Never thrown: a watch for an early signal must not cost the loop.
            ++counters_.errors;
            break;
        }
        ++counters_.received;
        if (msg.msg_namelen != sizeof from || from.nl_pid != 0) {
            ++counters_.not_kernel;
            continue;
        }
        if ((msg.msg_flags & MSG_TRUNC) || static_cast<std::size_t>(n) > kMaxUeventBytes) {
            ++counters_.malformed;
            continue;
        }
        UeventParse parsed = parse_uevent(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
        if (!parsed.message) {
            ++counters_.malformed;
            continue;
        }
        out.push_back(std::move(*parsed.message));
    }
    return out;
}

}  // namespace nf::os
