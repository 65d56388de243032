#include "os/link_monitor.h"

#include <linux/rtnetlink.h>
#include <poll.h>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "os/link_decode.h"
#include "os/nl_events.h"

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

LinkMonitor::LinkMonitor(int receive_buffer)
    : sock_(detail::connect_event_socket({RTNLGRP_LINK}, receive_buffer, "link monitor")) {}

LinkMonitor LinkMonitor::in(const Netns& netns, int receive_buffer) {
    NetnsScope scope(netns);
    return LinkMonitor(receive_buffer);
}

int LinkMonitor::fd() const { return nl_socket_get_fd(sock_.get()); }

std::vector<LinkEvent> LinkMonitor::drain(std::size_t max_datagrams) {
    std::vector<LinkEvent> out;
    Batch batch{&out, &undecodable_};
    detail::drain_events(
        sock_.get(), on_message, &batch, max_datagrams,
        [&] {
            resync_needed_ = true;
            out.push_back(LinkEvent{LinkEvent::Kind::Overrun, {}, std::chrono::steady_clock::now()});
        },
        "link monitor");
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
