#include "os/link_monitor.h"

#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "os/link_decode.h"

namespace nf::os {
namespace {

struct Batch {
    std::vector<LinkEvent>* out;
    std::uint64_t* undecodable;
};

// RTNLGRP_LINK also carries per-family link messages: AF_BRIDGE (port state; its RTM_DELLINK only means
// "no longer a bridge port") and AF_INET6 (addrconf). They lack IFLA_CARRIER and most other attributes,
// so read as link messages they would fake a carrier loss or an unplug. Only whole-link ones are events.
bool is_link_message(nl_msg* msg) {
    nlmsghdr* hdr = nlmsg_hdr(msg);
    if (hdr->nlmsg_type != RTM_NEWLINK && hdr->nlmsg_type != RTM_DELLINK) return false;
    if (!nlmsg_valid_hdr(hdr, sizeof(ifinfomsg))) return true;  // decode_link reports it as malformed
    const auto family = static_cast<const ifinfomsg*>(nlmsg_data(hdr))->ifi_family;
    return family == AF_UNSPEC || family == AF_PACKET;
}

int on_message(nl_msg* msg, void* arg) {
    auto* batch = static_cast<Batch*>(arg);
    if (!is_link_message(msg)) return NL_SKIP;
    const int type = nlmsg_hdr(msg)->nlmsg_type;
    try {
        batch->out->push_back(LinkEvent{type == RTM_NEWLINK ? LinkEvent::Kind::New : LinkEvent::Kind::Del,
                                        detail::decode_link(msg), std::chrono::steady_clock::now()});
    } catch (const std::exception& e) {
        // One bad message must not cost the good ones around it; the caller's next resync covers it.
        ++*batch->undecodable;
        spdlog::warn("link monitor: skipping an undecodable link message: {}", e.what());
    }
    return NL_OK;
}

}  // namespace

LinkMonitor::LinkMonitor(int receive_buffer) : sock_(detail::connect_route_socket()) {
    nl_sock* sock = sock_.get();
    // Events are unsolicited: no sequence numbers to check, no ACKs.
    nl_socket_disable_seq_check(sock);
    nl_socket_disable_auto_ack(sock);
    if (int rc = nl_socket_add_membership(sock, RTNLGRP_LINK); rc < 0) detail::throw_nl(rc, "join RTNLGRP_LINK");
    if (int rc = nl_socket_set_nonblocking(sock); rc < 0) detail::throw_nl(rc, "make link monitor non-blocking");
    // SO_RCVBUFFORCE passes net.core.rmem_max (we have CAP_NET_ADMIN); SO_RCVBUF is the fallback.
    const int fd = nl_socket_get_fd(sock);
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &receive_buffer, sizeof receive_buffer) < 0 &&
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer) < 0)
        throw_errno("set link monitor receive buffer");
}

LinkMonitor LinkMonitor::in(const Netns& netns, int receive_buffer) {
    NetnsScope scope(netns);
    return LinkMonitor(receive_buffer);
}

int LinkMonitor::fd() const { return nl_socket_get_fd(sock_.get()); }

std::vector<LinkEvent> LinkMonitor::drain(std::size_t max_datagrams) {
    std::vector<LinkEvent> out;
    Batch batch{&out, &undecodable_};
    std::unique_ptr<nl_cb, detail::NlFree<nl_cb_put>> cb(nl_cb_alloc(NL_CB_DEFAULT));
    if (!cb) throw SystemError(ENOMEM, "link monitor: allocate callbacks");
    nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_message, &batch);
    // Multicast events carry no sequence numbers worth checking.
    nl_cb_set(cb.get(), NL_CB_SEQ_CHECK, NL_CB_CUSTOM, [](nl_msg*, void*) { return static_cast<int>(NL_OK); }, nullptr);
    for (std::size_t datagrams = 0; datagrams < max_datagrams; ++datagrams) {
        // One datagram per call: > 0 messages handled, 0 nothing queued (libnl maps EAGAIN to 0).
        const int rc = nl_recvmsgs_report(sock_.get(), cb.get());
        if (rc == 0 || rc == -NLE_AGAIN) break;
        if (rc == -NLE_NOMEM) {  // ENOBUFS: the kernel dropped events for us; the queue goes on after it
            resync_needed_ = true;
            out.push_back(LinkEvent{LinkEvent::Kind::Overrun, {}, std::chrono::steady_clock::now()});
            continue;
        }
        if (rc < 0) detail::throw_nl(rc, "link monitor: receive");
    }
    return out;
}

bool LinkMonitor::wait(std::chrono::milliseconds timeout) const {
    pollfd pfd{fd(), POLLIN, 0};
    const int rc = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    if (rc < 0 && errno != EINTR) throw_errno("link monitor: poll");
    return rc > 0;
}

std::vector<LinkInfo> LinkMonitor::resync() {
    auto links = dumper_.links();
    resync_needed_ = false;
    return links;
}

}  // namespace nf::os
