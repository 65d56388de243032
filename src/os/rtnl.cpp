#include "os/rtnl.h"

#include <linux/rtnetlink.h>

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
