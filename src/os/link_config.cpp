// A link's addresses and routes through libnl-route-3 (`ip addr` / `ip route` for one link).
#include "os/link_config.h"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include <cstring>

#include "common/error.h"

namespace nf::os {

using detail::NlAddrPtr;
using detail::NlMsgPtr;
using detail::RtnlAddrPtr;

namespace {

template <auto Free>
struct Free_ {
    template <class T>
    void operator()(T* p) const { Free(p); }
};
using RtnlRoutePtr = std::unique_ptr<rtnl_route, Free_<rtnl_route_put>>;

std::optional<std::string> text_of(nl_addr* addr) {
    if (!addr || nl_addr_get_len(addr) == 0) return std::nullopt;
    const int family = nl_addr_get_family(addr);
    if (family != AF_INET && family != AF_INET6) return std::nullopt;
    char text[INET6_ADDRSTRLEN];
    if (!::inet_ntop(family, nl_addr_get_binary_addr(addr), text, sizeof text)) return std::nullopt;
    return std::string(text);
}

NlAddrPtr parse_addr(const std::string& text, int family, const std::string& what) {
    nl_addr* raw = nullptr;
    if (int rc = nl_addr_parse(text.c_str(), family, &raw); rc < 0) detail::throw_nl(rc, what + ": parse " + text);
    return NlAddrPtr(raw);
}

// Dumps of one kind, retried a few times when a concurrent change interrupts them (NLM_F_DUMP_INTR).
template <class Header, class OnReply>
void dump(nl_sock* sock, int type, Header header, const std::string& what, OnReply on_reply) {
    for (int attempt = 0;; ++attempt) {
        NlMsgPtr msg(nlmsg_alloc_simple(type, NLM_F_DUMP));
        if (!msg || nlmsg_append(msg.get(), &header, sizeof header, NLMSG_ALIGNTO) < 0)
            throw SystemError(ENOMEM, what + ": build request");
        try {
            on_reply(nullptr);  // a retry starts afresh
            detail::transact(sock, msg.get(), [&](nl_msg* reply) { on_reply(reply); }, what);
            return;
        } catch (const SystemError& e) {
            if (e.errno_value() != EINTR || attempt >= 4) throw;
        }
    }
}

RtnlAddrPtr build_addr(int ifindex, const AddressEntry& a, const std::string& what) {
    RtnlAddrPtr addr(rtnl_addr_alloc());
    if (!addr) throw SystemError(ENOMEM, what + ": allocate rtnl_addr");
    rtnl_addr_set_ifindex(addr.get(), ifindex);
    rtnl_addr_set_family(addr.get(), a.local.family);
    const NlAddrPtr local = parse_addr(a.local.address, a.local.family, what);
    if (int rc = rtnl_addr_set_local(addr.get(), local.get()); rc < 0) detail::throw_nl(rc, what + ": set local");
    if (a.peer) {
        const NlAddrPtr peer = parse_addr(*a.peer, a.local.family, what);
        if (int rc = rtnl_addr_set_peer(addr.get(), peer.get()); rc < 0) detail::throw_nl(rc, what + ": set peer");
    }
    rtnl_addr_set_prefixlen(addr.get(), static_cast<int>(a.local.prefix_len));
    return addr;
}

}  // namespace

bool AddressEntry::kernel_made() const {
    if (local.family != AF_INET6) return false;
    if ((flags & IFA_F_PERMANENT) == 0) return true;  // learnt (SLAAC, DHCPv6 leases are permanent-less too)
    // fe80::/10 made from addrgenmode; one added by hand is permanent too, but the kernel makes the same
    // one again when IPv6 comes back on the link, so copying it would only race the kernel.
    return local.address.rfind("fe80:", 0) == 0 && local.prefix_len == 64;
}

std::string RouteEntry::describe() const {
    std::string out = dst.prefix_len == 0 ? std::string("default") : dst.to_string();
    if (gateway) out += " via " + *gateway;
    if (table != RT_TABLE_MAIN) out += " table " + std::to_string(table);
    if (priority) out += " metric " + std::to_string(priority);
    return out;
}

LinkConfigIo::LinkConfigIo(const Netns& netns) {
    NetnsScope scope(netns);
    sock_ = detail::connect_route_socket();
}

std::vector<AddressEntry> LinkConfigIo::addresses(int ifindex) {
    std::vector<AddressEntry> out;
    ifaddrmsg ifa{};
    ifa.ifa_family = AF_UNSPEC;
    dump(sock_.get(), RTM_GETADDR, ifa, "list addresses of link #" + std::to_string(ifindex), [&](nl_msg* reply) {
        if (!reply) {
            out.clear();
            return;
        }
        RtnlAddrPtr addr(reinterpret_cast<rtnl_addr*>(detail::parse_object(reply)));
        if (!addr || rtnl_addr_get_ifindex(addr.get()) != ifindex) return;
        const auto local = text_of(rtnl_addr_get_local(addr.get()));
        if (!local) return;
        AddressEntry e;
        e.local = IpPrefix{nl_addr_get_family(rtnl_addr_get_local(addr.get())), *local,
                           static_cast<unsigned>(rtnl_addr_get_prefixlen(addr.get()))};
        if (auto peer = text_of(rtnl_addr_get_peer(addr.get())); peer && *peer != *local) e.peer = peer;
        e.broadcast = text_of(rtnl_addr_get_broadcast(addr.get()));
        if (const char* label = rtnl_addr_get_label(addr.get())) e.label = label;
        e.flags = rtnl_addr_get_flags(addr.get());
        e.scope = rtnl_addr_get_scope(addr.get());
        e.valid_lft = rtnl_addr_get_valid_lifetime(addr.get());
        e.preferred_lft = rtnl_addr_get_preferred_lifetime(addr.get());
        out.push_back(std::move(e));
    });
    return out;
}

void LinkConfigIo::add_address(int ifindex, const AddressEntry& a) {
    const std::string what = "add address " + a.describe() + " to link #" + std::to_string(ifindex);
    RtnlAddrPtr addr = build_addr(ifindex, a, what);
    if (a.broadcast) {
        const NlAddrPtr brd = parse_addr(*a.broadcast, a.local.family, what);
        if (int rc = rtnl_addr_set_broadcast(addr.get(), brd.get()); rc < 0) detail::throw_nl(rc, what + ": broadcast");
    }
    // The label names the link it was made on (eth0, eth0:1): on another link only an alias suffix survives.
    if (const auto colon = a.label.find(':'); a.local.family == AF_INET && colon != std::string::npos) {
        // The caller renames the label's link part; we keep the suffix as given.
        if (int rc = rtnl_addr_set_label(addr.get(), a.label.c_str()); rc < 0) detail::throw_nl(rc, what + ": label");
    }
    rtnl_addr_set_scope(addr.get(), a.scope);
    // Kept: noprefixroute, home, mngtmpaddr, nodad; the address was in use, so DAD would only delay it.
    unsigned flags = a.flags & (IFA_F_NOPREFIXROUTE | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR | IFA_F_NODAD);
    if (a.local.family == AF_INET6) flags |= IFA_F_NODAD;
    rtnl_addr_set_flags(addr.get(), flags);
    if (a.valid_lft != 0xffffffffu || a.preferred_lft != 0xffffffffu) {
        rtnl_addr_set_valid_lifetime(addr.get(), a.valid_lft);
        rtnl_addr_set_preferred_lifetime(addr.get(), a.preferred_lft);
    }
    detail::send_built(sock_.get(), what, [&](nl_msg** msg) {
        return rtnl_addr_build_add_request(addr.get(), NLM_F_CREATE | NLM_F_REPLACE, msg);
    });
}

void LinkConfigIo::del_address(int ifindex, const AddressEntry& a) {
    const std::string what = "delete address " + a.describe() + " from link #" + std::to_string(ifindex);
    RtnlAddrPtr addr = build_addr(ifindex, a, what);
    detail::send_built(sock_.get(), what, [&](nl_msg** msg) { return rtnl_addr_build_delete_request(addr.get(), 0, msg); });
}

std::vector<RouteEntry> LinkConfigIo::routes(int ifindex) {
    std::vector<RouteEntry> out;
    rtmsg rtm{};
    rtm.rtm_family = AF_UNSPEC;
    dump(sock_.get(), RTM_GETROUTE, rtm, "list routes through link #" + std::to_string(ifindex), [&](nl_msg* reply) {
        if (!reply) {
            out.clear();
            return;
        }
        RtnlRoutePtr route(reinterpret_cast<rtnl_route*>(detail::parse_object(reply)));
        if (!route) return;
        const std::uint32_t table = rtnl_route_get_table(route.get());
        const std::uint8_t protocol = rtnl_route_get_protocol(route.get());
        const std::uint8_t type = rtnl_route_get_type(route.get());
        if (table == RT_TABLE_LOCAL || protocol == RTPROT_KERNEL || protocol == RTPROT_RA) return;
        if (type != RTN_UNICAST) return;  // multicast/broadcast/local ones are the kernel's
        if (rtnl_route_get_nnexthops(route.get()) != 1) return;
        rtnl_nexthop* nh = rtnl_route_nexthop_n(route.get(), 0);
        if (!nh || rtnl_route_nh_get_ifindex(nh) != ifindex) return;
        nl_addr* dst = rtnl_route_get_dst(route.get());
        RouteEntry e;
        e.family = rtnl_route_get_family(route.get());
        e.dst = IpPrefix{e.family, text_of(dst).value_or(e.family == AF_INET ? "0.0.0.0" : "::"),
                         dst ? nl_addr_get_prefixlen(dst) : 0u};
        e.gateway = text_of(rtnl_route_nh_get_gateway(nh));
        e.prefsrc = text_of(rtnl_route_get_pref_src(route.get()));
        e.table = table;
        e.priority = rtnl_route_get_priority(route.get());
        e.protocol = protocol;
        e.scope = rtnl_route_get_scope(route.get());
        e.type = type;
        out.push_back(std::move(e));
    });
    return out;
}

namespace {

RtnlRoutePtr build_route(int ifindex, const RouteEntry& r, const std::string& what) {
    RtnlRoutePtr route(rtnl_route_alloc());
    if (!route) throw SystemError(ENOMEM, what + ": allocate rtnl_route");
    rtnl_route_set_family(route.get(), static_cast<std::uint8_t>(r.family));
    const NlAddrPtr dst = parse_addr(r.dst.to_string(), r.family, what);
    if (int rc = rtnl_route_set_dst(route.get(), dst.get()); rc < 0) detail::throw_nl(rc, what + ": dst");
    rtnl_route_set_table(route.get(), r.table);
    rtnl_route_set_protocol(route.get(), r.protocol);
    rtnl_route_set_scope(route.get(), r.scope);
    rtnl_route_set_type(route.get(), r.type);
    rtnl_route_set_priority(route.get(), r.priority);
    if (r.prefsrc) {
        const NlAddrPtr src = parse_addr(*r.prefsrc, r.family, what);
        if (int rc = rtnl_route_set_pref_src(route.get(), src.get()); rc < 0) detail::throw_nl(rc, what + ": src");
    }
    rtnl_nexthop* nh = rtnl_route_nh_alloc();
    if (!nh) throw SystemError(ENOMEM, what + ": allocate nexthop");
    rtnl_route_nh_set_ifindex(nh, ifindex);
    if (r.gateway) {
        const NlAddrPtr gw = parse_addr(*r.gateway, r.family, what);
        rtnl_route_nh_set_gateway(nh, gw.get());  // takes its own reference
    }
    rtnl_route_add_nexthop(route.get(), nh);  // the route owns nh now
    return route;
}

}  // namespace

void LinkConfigIo::add_route(int ifindex, const RouteEntry& r) {
    const std::string what = "add route " + r.describe() + " through link #" + std::to_string(ifindex);
    RtnlRoutePtr route = build_route(ifindex, r, what);
    detail::send_built(sock_.get(), what, [&](nl_msg** msg) {
        return rtnl_route_build_add_request(route.get(), NLM_F_CREATE | NLM_F_REPLACE, msg);
    });
}

void LinkConfigIo::del_route(int ifindex, const RouteEntry& r) {
    const std::string what = "delete route " + r.describe() + " through link #" + std::to_string(ifindex);
    RtnlRoutePtr route = build_route(ifindex, r, what);
    detail::send_built(sock_.get(), what, [&](nl_msg** msg) { return rtnl_route_build_del_request(route.get(), 0, msg); });
}

}  // namespace nf::os
