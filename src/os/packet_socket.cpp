#include "os/packet_socket.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>

#include <cerrno>
#include <string>

#include "common/error.h"
#include "os/netns.h"

namespace nf::os {
namespace {

void set_option(int fd, int level, int name, int value, const char* what) {
    if (::setsockopt(fd, level, name, &value, sizeof value) < 0) throw_errno(std::string("packet socket ") + what);
}

}  // namespace

PacketSocket PacketSocket::open(int ifindex, int netns_fd, PacketSocketOptions options) {
    os::NetnsScope ns(netns_fd);
    // Protocol 0 at creation: nothing is queued before bind() picks the device.
    UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("socket(AF_PACKET)");
    const std::string dev = "ifindex " + std::to_string(ifindex);
    if (options.vnet_hdr) set_option(fd.get(), SOL_PACKET, PACKET_VNET_HDR, 1, "PACKET_VNET_HDR");
    if (options.ignore_outgoing) set_option(fd.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
    if (options.qdisc_bypass) set_option(fd.get(), SOL_PACKET, PACKET_QDISC_BYPASS, 1, "PACKET_QDISC_BYPASS");
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &options.receive_buffer, sizeof(int)) < 0)
        set_option(fd.get(), SOL_SOCKET, SO_RCVBUF, options.receive_buffer, "SO_RCVBUF");
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUFFORCE, &options.send_buffer, sizeof(int)) < 0)
        set_option(fd.get(), SOL_SOCKET, SO_SNDBUF, options.send_buffer, "SO_SNDBUF");

    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = ifindex;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) throw_errno("bind packet socket to " + dev);
    if (options.promiscuous) {
        packet_mreq mreq{};
        mreq.mr_ifindex = ifindex;
        mreq.mr_type = PACKET_MR_PROMISC;
        if (::setsockopt(fd.get(), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0)
            throw_errno("promiscuous membership on " + dev);
    }
    return PacketSocket(std::move(fd), ifindex);
}

std::size_t PacketSocket::receive(FrameBatch& batch) {
    // MSG_TRUNC: msg_len is the frame's real length and msg_flags says MSG_TRUNC when it did not fit.
    int n = ::recvmmsg(fd_.get(), batch.prepare_receive(), static_cast<unsigned>(batch.capacity()),
                       MSG_DONTWAIT | MSG_TRUNC, nullptr);
    if (n >= 0) {
        // A cut frame forwarded would be a corrupt frame on the wire: drop it, keep the batch dense.
        std::size_t kept = 0;
        for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
            if (batch.truncated(i)) {
                ++truncated_dropped_;
                continue;
            }
            if (kept != i) batch.move_frame(i, kept);
            ++kept;
        }
        return kept;
    }
    if (errno == EAGAIN || errno == EINTR || errno == ENETDOWN) return 0;
    throw_errno("recvmmsg on packet socket of ifindex " + std::to_string(ifindex_));
}

PacketSocket::SendResult PacketSocket::send_batch(FrameBatch& batch, std::size_t count) {
    SendResult result;
    std::size_t pos = 0;
    mmsghdr* msgs = batch.prepare_send(count);
    while (pos < count) {
        int n = ::sendmmsg(fd_.get(), msgs + pos, static_cast<unsigned>(count - pos), MSG_DONTWAIT);
        if (n > 0) {
            pos += static_cast<std::size_t>(n);
            result.sent += static_cast<std::size_t>(n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
            result.full = count - pos;  // the next frames would meet the same full queue
            break;
        }
        if (n < 0 && (errno == ENETDOWN || errno == ENXIO || errno == ENODEV)) break;  // the device, not the frame
        ++pos;  // this one frame was refused (e.g. malformed vnet header): skip it, send the rest
    }
    return result;
}

int PacketSocket::take_error() {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    return err;
}

}  // namespace nf::os
