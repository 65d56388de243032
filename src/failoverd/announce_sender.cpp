#include "failoverd/announce_sender.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include "common/error.h"

namespace nf::failoverd {

void AnnounceSender::bind_to(int ifindex) {
    ifindex_ = ifindex;
    if (ifindex <= 0 || socket_) return;
    // One socket for the daemon's life, made in the slaves' namespace (sendto() resolves the ifindex there).
    // Not one per switch: closing an AF_PACKET socket waits for an RCU grace period (packet_release's
    // synchronize_net()), milliseconds on a loaded machine, and with 64 pairs switching at once those waits
    // queued up in front of the next link events.
    os::NetnsScope in(netns_);
    // Protocol 0 and never bound: a send-only socket, never queues received frames.
    socket_ = UniqueFd(static_cast<int>(check_syscall(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0),
                                                      "announce: socket(AF_PACKET)")));
}

void AnnounceSender::send(std::span<const std::uint8_t> frame) {
    if (!socket_ || ifindex_ <= 0) throw SystemError(ENODEV, "announce: no active slave");
    // Addressed by ifindex on every frame: a slave unplugged and replugged (hidden: moved between
    // namespaces) may come back under its old ifindex, and the frame goes to whatever has it now.
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifindex_;
    check_syscall(::sendto(socket_.get(), frame.data(), frame.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to),
                  "announce: send on ifindex " + std::to_string(ifindex_));
}

}  // namespace nf::failoverd
