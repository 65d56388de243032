// Interface addresses (`ip addr add/del/show`).
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "common/error.h"
#include "os/rtnl.h"

namespace nf::os {

using detail::NlAddrPtr;
using detail::NlMsgPtr;
using detail::RtnlAddrPtr;

namespace {

RtnlAddrPtr make_addr(int ifindex, const IpPrefix& prefix, const std::string& what) {
    RtnlAddrPtr addr(rtnl_addr_alloc());
    if (!addr) throw SystemError(ENOMEM, what + ": allocate rtnl_addr");
    nl_addr* raw = nullptr;
    if (int rc = nl_addr_parse(prefix.to_string().c_str(), prefix.family, &raw); rc < 0)
        detail::throw_nl(rc, what + ": parse address");
    NlAddrPtr local(raw);
    rtnl_addr_set_ifindex(addr.get(), ifindex);
    rtnl_addr_set_family(addr.get(), prefix.family);
    if (int rc = rtnl_addr_set_local(addr.get(), local.get()); rc < 0) detail::throw_nl(rc, what + ": set local");
    rtnl_addr_set_prefixlen(addr.get(), static_cast<int>(prefix.prefix_len));
    return addr;
}

std::optional<IpPrefix> to_prefix(rtnl_addr* addr) {
    nl_addr* local = rtnl_addr_get_local(addr);
    if (!local) return std::nullopt;
    const int family = nl_addr_get_family(local);
    if (family != AF_INET && family != AF_INET6) return std::nullopt;
    char text[INET6_ADDRSTRLEN];
    if (!::inet_ntop(family, nl_addr_get_binary_addr(local), text, sizeof text)) return std::nullopt;
    return IpPrefix{family, text, static_cast<unsigned>(rtnl_addr_get_prefixlen(addr))};
}

}  // namespace

void Rtnl::add_address(const LinkRef& ref, const IpPrefix& prefix, bool skip_dad) {
    const std::string what = "add address " + prefix.to_string() + " to " + ref.describe();
    RtnlAddrPtr addr = make_addr(resolve(ref, what), prefix, what);
    if (skip_dad && prefix.family == AF_INET6) rtnl_addr_set_flags(addr.get(), IFA_F_NODAD);
    nl_msg* raw = nullptr;
    // REPLACE: adding an address that is already there is not an error.
    if (int rc = rtnl_addr_build_add_request(addr.get(), NLM_F_CREATE | NLM_F_REPLACE, &raw); rc < 0)
        detail::throw_nl(rc, what + ": build request");
    NlMsgPtr msg(raw);
    detail::transact(sock_.get(), msg.get(), what);
}

void Rtnl::del_address(const LinkRef& ref, const IpPrefix& prefix) {
    const std::string what = "delete address " + prefix.to_string() + " from " + ref.describe();
    RtnlAddrPtr addr = make_addr(resolve(ref, what), prefix, what);
    nl_msg* raw = nullptr;
    if (int rc = rtnl_addr_build_delete_request(addr.get(), 0, &raw); rc < 0)
        detail::throw_nl(rc, what + ": build request");
    NlMsgPtr msg(raw);
    detail::transact(sock_.get(), msg.get(), what);
}

std::vector<IpPrefix> Rtnl::addresses(const LinkRef& ref) {
    const std::string what = "list addresses of " + ref.describe();
    const int index = resolve(ref, what);
    for (int attempt = 0;; ++attempt) {
        NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETADDR, NLM_F_DUMP));
        ifaddrmsg ifa{};
        ifa.ifa_family = AF_UNSPEC;
        if (!msg || nlmsg_append(msg.get(), &ifa, sizeof ifa, NLMSG_ALIGNTO) < 0)
            throw SystemError(ENOMEM, what + ": build request");
        std::vector<IpPrefix> out;
        try {
            detail::transact(
                sock_.get(), msg.get(),
                [&](nl_msg* reply) {
                    RtnlAddrPtr addr(reinterpret_cast<rtnl_addr*>(detail::parse_object(reply)));
                    if (!addr || rtnl_addr_get_ifindex(addr.get()) != index) return;
                    if (auto prefix = to_prefix(addr.get())) out.push_back(std::move(*prefix));
                },
                what);
            return out;
        } catch (const SystemError& e) {
            if (e.errno_value() != EINTR || attempt >= 4) throw;
        }
    }
}

}  // namespace nf::os
