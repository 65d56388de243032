#include "failoverd/announce_sender.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "common/error.h"

namespace nf::failoverd {

void AnnounceSender::bind_to(int ifindex) {
    // Bound afresh even to the same number: a slave unplugged and replugged (hidden: moved between
    // namespaces) may come back under its old ifindex, and the old binding is to a device that is gone.
    socket_.reset();
    ifindex_ = ifindex;
    if (ifindex <= 0) return;
    os::NetnsScope in(netns_);
    // Protocol 0: a send-only socket, never queues received frames.
    UniqueFd fd(static_cast<int>(check_syscall(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0),
                                               "announce: socket(AF_PACKET)")));
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = ifindex;
    check_syscall(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr),
                  "announce: bind to ifindex " + std::to_string(ifindex));
    socket_ = std::move(fd);
}

void AnnounceSender::send(std::span<const std::uint8_t> frame) {
    if (!socket_) throw SystemError(ENODEV, "announce: no active slave");
    check_syscall(::send(socket_.get(), frame.data(), frame.size(), 0),
                  "announce: send on ifindex " + std::to_string(ifindex_));
}

}  // namespace nf::failoverd
