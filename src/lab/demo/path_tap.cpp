#include "lab/demo/path_tap.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>

#include <vector>

#include "common/error.h"
#include "lab/demo/frame.h"
#include "os/netns.h"

namespace nf::lab::demo {

PathTap::PathTap(Recorder& recorder, const std::string& netns, const std::string& ifname, std::string label,
                 std::uint16_t port)
    : recorder_(recorder), label_(std::move(label)), path_(recorder.path_id(label_)), port_(port) {
    const os::NetnsScope scope(os::Netns::open_named(netns));
    const unsigned ifindex = ::if_nametoindex(ifname.c_str());
    if (ifindex == 0) throw_errno("no interface '" + ifname + "' in netns " + netns);
    socket_ = UniqueFd(static_cast<int>(
        check_syscall(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_ALL)), "socket(AF_PACKET)")));
    const int buffer = 4 * 1024 * 1024;
    ::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);  // best effort
    sockaddr_ll address{};
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_ALL);
    address.sll_ifindex = static_cast<int>(ifindex);
    check_syscall(::bind(socket_.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address),
                  "bind(AF_PACKET) to " + ifname + " in " + netns);
}

void PathTap::run(std::stop_token stop) {
    std::vector<std::byte> frame(16 * 1024);
    while (!stop.stop_requested()) {
        pollfd pfd{socket_.get(), POLLIN, 0};
        const int ready = ::poll(&pfd, 1, 50);
        if (ready < 0 && errno != EINTR) throw_errno("poll(" + label_ + " tap)");
        if (ready <= 0) continue;
        for (;;) {
            const ssize_t n = ::recv(socket_.get(), frame.data(), frame.size(), 0);
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR) break;
                // The port went down (the VMM holds a joining VF's port down until the guest opened the VF):
                // the socket reports it once and stays bound; frames follow when it is up again.
                if (errno == ENETDOWN) break;
                throw_errno("recv(" + label_ + " tap)");
            }
            const auto udp = udp_in_frame(std::span<const std::byte>(frame.data(), static_cast<std::size_t>(n)));
            if (!udp || udp->dest_port != port_) continue;
            const auto decoded = decode(udp->payload);
            if (!decoded.header) continue;
            seen_[static_cast<std::size_t>(decoded.header->direction)].fetch_add(1);
            recorder_.note_path(*decoded.header, path_);
        }
    }
}

}  // namespace nf::lab::demo
