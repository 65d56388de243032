#include "netpass/edge/injector.h"

#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>
#include <vector>

#include "common/error.h"
#include "netpass/checksum.h"
#include "netpass/netpass_abi.h"
#include "os/netns.h"

namespace nf::netpass::edge {

Injector::Injector(int netns_fd, int ifindex) : ifindex_(ifindex) {
    {
        os::NetnsScope ns(netns_fd);
        // Protocol 0: a send-only socket (receives nothing, so it needs no buffer limit).
        fd_ = UniqueFd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    }
    if (!fd_) throw_errno("netpass: AF_PACKET socket");
    const int mark = static_cast<int>(NP_INJECT_MARK);
    if (::setsockopt(fd_.get(), SOL_SOCKET, SO_MARK, &mark, sizeof mark) < 0) throw_errno("netpass: SO_MARK");
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = ifindex;
    if (::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0)
        throw_errno("netpass: bind to ifindex " + std::to_string(ifindex));
}

bool Injector::send(std::span<const std::uint8_t> kept) {
    // A copy: the frame may carry a partial checksum its skb no longer vouches for (netpass/checksum.h).
    std::vector<std::uint8_t> frame(kept.begin(), kept.end());
    complete_partial_checksum(frame);
    for (int attempt = 0; attempt < 3; ++attempt) {  // ENOBUFS: the tap's queue is momentarily full
        if (::send(fd_.get(), frame.data(), frame.size(), 0) == static_cast<ssize_t>(frame.size())) return true;
        if (errno != ENOBUFS && errno != EINTR) return false;
    }
    return false;
}

}  // namespace nf::netpass::edge
