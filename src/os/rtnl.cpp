#include "os/rtnl.h"
#include "os/ipv6_family.h"

#include <linux/rtnetlink.h>
#include <netlink/route/link/inet6.h>

#include "common/error.h"
#include "os/link_decode.h"

namespace nf::os {

using detail::NlMsgPtr;

std::string LinkRef::describe() const {
    return by_index() ? "link #" + std::to_string(ifindex_) : "link '" + name_ + "'";
}

Rtnl::Rtnl() : sock_(detail::connect_route_socket()) {}

Rtnl Rtnl::in(const Netns& netns) {
    NetnsScope scope(netns);
    return Rtnl();
}

LinkInfo Rtnl::link(const LinkRef& ref) {
    nl_msg* raw = nullptr;
    const int index = ref.by_index() ? ref.ifindex() : 0;
    if (int rc = rtnl_link_build_get_request(index, ref.by_index() ? nullptr : ref.name().c_str(), &raw); rc < 0)
        detail::throw_nl(rc, "query " + ref.describe());
    NlMsgPtr msg(raw);
    std::optional<LinkInfo> found;
    detail::transact(sock_.get(), msg.get(), [&](nl_msg* reply) { found = detail::decode_link(reply); },
                     "query " + ref.describe());
    if (!found) throw SystemError(ENODEV, "query " + ref.describe() + ": no reply");
    return *found;
}

std::optional<LinkInfo> Rtnl::find_link(const LinkRef& ref) {
    try {
        return link(ref);
    } catch (const SystemError& e) {
        if (e.errno_value() == ENODEV) return std::nullopt;
        throw;
    }
}

int Rtnl::ifindex(const LinkRef& ref) { return ref.by_index() ? ref.ifindex() : link(ref).ifindex; }

detail::RtnlLinkPtr Rtnl::kernel_link(const LinkRef& ref, const std::string& what) {
    nl_msg* raw = nullptr;
    const int index = ref.by_index() ? ref.ifindex() : 0;
    if (int rc = rtnl_link_build_get_request(index, ref.by_index() ? nullptr : ref.name().c_str(), &raw); rc < 0)
        detail::throw_nl(rc, what);
    NlMsgPtr msg(raw);
    detail::RtnlLinkPtr found;
    detail::transact(sock_.get(), msg.get(),
                     [&](nl_msg* reply) { found.reset(reinterpret_cast<rtnl_link*>(detail::parse_object(reply))); },
                     what);
    if (!found) throw SystemError(ENODEV, what + ": no reply");
    return found;
}

LinkStats Rtnl::stats(const LinkRef& ref) {
    const auto link = kernel_link(ref, "read statistics of " + ref.describe());
    auto stat = [&](rtnl_link_stat_id_t id) { return static_cast<std::uint64_t>(rtnl_link_get_stat(link.get(), id)); };
    LinkStats s;
    s.rx_packets = stat(RTNL_LINK_RX_PACKETS);
    s.tx_packets = stat(RTNL_LINK_TX_PACKETS);
    s.rx_bytes = stat(RTNL_LINK_RX_BYTES);
    s.tx_bytes = stat(RTNL_LINK_TX_BYTES);
    s.rx_errors = stat(RTNL_LINK_RX_ERRORS);
    s.tx_errors = stat(RTNL_LINK_TX_ERRORS);
    s.rx_dropped = stat(RTNL_LINK_RX_DROPPED);
    s.tx_dropped = stat(RTNL_LINK_TX_DROPPED);
    s.multicast = stat(RTNL_LINK_MULTICAST);
    s.collisions = stat(RTNL_LINK_COLLISIONS);
    s.rx_nohandler = stat(RTNL_LINK_RX_NOHANDLER);
    return s;
}

std::optional<AddrGenMode> Rtnl::addrgenmode(const LinkRef& ref) {
    const auto link = kernel_link(ref, "read addrgenmode of " + ref.describe());
    if (detail::ipv6_simulated_absent()) return std::nullopt;  // a kernel without IPv6 reports no inet6 data
    std::uint8_t mode = 0;
    if (rtnl_link_inet6_get_addr_gen_mode(link.get(), &mode) < 0) return std::nullopt;
    return static_cast<AddrGenMode>(mode);
}

std::vector<LinkInfo> Rtnl::links() {
    // A dump races with concurrent changes (NLM_F_DUMP_INTR); a few retries always settle in practice.
    for (int attempt = 0;; ++attempt) {
        NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETLINK, NLM_F_DUMP));
        ifinfomsg ifi{};
        ifi.ifi_family = AF_UNSPEC;
        if (!msg || nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0)
            throw SystemError(ENOMEM, "build link dump request");
        std::vector<LinkInfo> out;
        try {
            detail::transact(sock_.get(), msg.get(), [&](nl_msg* reply) { out.push_back(detail::decode_link(reply)); },
                             "dump links");
            return out;
        } catch (const SystemError& e) {
            if (e.errno_value() != EINTR || attempt >= 4) throw;
        }
    }
}

}  // namespace nf::os
