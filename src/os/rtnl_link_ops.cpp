// Link changes: create, delete, flags, MTU, MAC, name, master, namespace.
#include <linux/if.h>
#include <linux/if_link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/veth.h>

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "os/rtnl.h"
#include "os/ipv6_family.h"

namespace nf::os {

using detail::NlAddrPtr;
using detail::NlMsgPtr;
using detail::RtnlLinkPtr;

namespace {

RtnlLinkPtr alloc_link(const std::string& what) {
    RtnlLinkPtr link(rtnl_link_alloc());
    if (!link) throw SystemError(ENOMEM, what + ": allocate rtnl_link");
    return link;
}

NlAddrPtr ll_addr(const MacAddress& mac) {
    NlAddrPtr addr(nl_addr_build(AF_LLC, mac.data(), 6));
    if (!addr) throw SystemError(ENOMEM, "build link-layer address " + mac.to_string());
    return addr;
}

struct VethRelease {
    void operator()(rtnl_link* link) const { rtnl_link_veth_release(link); }
};

// Kernel quirk: linkwatch takes a device whose ifindex equals its iflink (a veth: its peer's ifindex, in
// whatever namespace) for a physical NIC and handles its carrier changes at most once a second. So the two
// ends of a veth (or a stacked link and its lower device) must never share an ifindex.

std::set<int> ifindexes(Rtnl& rtnl) {
    std::set<int> taken;
    for (const LinkInfo& link : rtnl.links()) taken.insert(link.ifindex);
    return taken;
}

// The ifindex for `link` in a namespace where `taken` are in use: its own if free there and not its peer's,
// else the lowest such one.
int ifindex_apart_from_peer(const LinkInfo& link, const std::set<int>& taken) {
    auto usable = [&](int index) { return index != link.iflink && !taken.contains(index); };
    if (usable(link.ifindex)) return link.ifindex;
    int index = 2;  // 1 is lo in every namespace
    while (!usable(index)) ++index;
    return index;
}

// For a new veth whose peer goes elsewhere: past every ifindex in use on each side (no early reuse of a
// just-freed number), and never the same on both.
std::pair<int, int> veth_ifindexes(const std::set<int>& here, const std::set<int>& there) {
    const int own = (here.empty() ? 1 : *here.rbegin()) + 1;
    int peer = (there.empty() ? 1 : *there.rbegin()) + 1;
    if (peer == own) ++peer;
    return {own, peer};
}

}  // namespace

int Rtnl::resolve(const LinkRef& ref, const std::string& what) {
    if (ref.by_index()) return ref.ifindex();
    try {
        return link(ref).ifindex;
    } catch (const SystemError& e) {
        throw SystemError(e.errno_value(), what);
    }
}

void Rtnl::change(const LinkRef& ref, rtnl_link* changes, const std::string& op) {
    const std::string what = op + " " + ref.describe();
    const int index = resolve(ref, what);
    RtnlLinkPtr orig = alloc_link(what);
    rtnl_link_set_ifindex(orig.get(), index);
    detail::send_built(sock_.get(), what,
               [&](nl_msg** msg) { return rtnl_link_build_change_request(orig.get(), changes, 0, msg); });
}

LinkInfo Rtnl::create_veth(const std::string& name, const std::string& peer_name, const VethOptions& options) {
    const std::string what = "create veth '" + name + "' peer '" + peer_name + "'";
    std::unique_ptr<rtnl_link, VethRelease> link(rtnl_link_veth_alloc());
    if (!link) throw SystemError(ENOMEM, what + ": allocate");
    RtnlLinkPtr peer(rtnl_link_veth_get_peer(link.get()));  // returns its own reference
    rtnl_link_set_name(link.get(), name.c_str());
    rtnl_link_set_name(peer.get(), peer_name.c_str());
    NlAddrPtr mac, peer_mac;
    if (options.mac) {
        mac = ll_addr(*options.mac);
        rtnl_link_set_addr(link.get(), mac.get());
    }
    if (options.peer_mac) {
        peer_mac = ll_addr(*options.peer_mac);
        rtnl_link_set_addr(peer.get(), peer_mac.get());
    }
    if (options.mtu) {
        rtnl_link_set_mtu(link.get(), *options.mtu);
        rtnl_link_set_mtu(peer.get(), *options.mtu);
    }
    auto add = [&] {
        detail::send_built(sock_.get(), what, [&](nl_msg** msg) {
            return rtnl_link_build_add_request(link.get(), NLM_F_CREATE | NLM_F_EXCL, msg);
        });
    };
    if (!options.peer_netns) {
        if (options.ifindex) rtnl_link_set_ifindex(link.get(), *options.ifindex);
        add();
        return this->link(name);
    }
    // Each namespace numbers its links on its own: left to the kernel, the two ends may get the same ifindex.
    rtnl_link_set_ns_fd(peer.get(), options.peer_netns->fd());
    std::optional<std::pair<int, int>> indexes;
    try {
        Rtnl peer_side = Rtnl::in(*options.peer_netns);
        indexes = veth_ifindexes(ifindexes(*this), ifindexes(peer_side));
    } catch (const SystemError& e) {
        spdlog::debug("{}: cannot list the links on both sides ({}); the kernel numbers them", what, e.what());
    }
    if (indexes) {
        rtnl_link_set_ifindex(link.get(), indexes->first);
        rtnl_link_set_ifindex(peer.get(), indexes->second);
        try {
            add();
            return this->link(name);
        } catch (const SystemError& e) {
            if (e.errno_value() != EBUSY) throw;
            spdlog::debug("{}: ifindex {}/{} taken meanwhile; the kernel numbers them", what, indexes->first,
                          indexes->second);
            rtnl_link_set_ifindex(link.get(), 0);
            rtnl_link_set_ifindex(peer.get(), 0);
        }
    }
    add();
    return this->link(name);
}

LinkInfo Rtnl::create_bridge(const std::string& name) {
    const std::string what = "create bridge '" + name + "'";
    RtnlLinkPtr link(rtnl_link_bridge_alloc());
    if (!link) throw SystemError(ENOMEM, what + ": allocate");
    rtnl_link_set_name(link.get(), name.c_str());
    detail::send_built(sock_.get(), what, [&](nl_msg** msg) {
        return rtnl_link_build_add_request(link.get(), NLM_F_CREATE | NLM_F_EXCL, msg);
    });
    return this->link(name);
}

void Rtnl::delete_link(const LinkRef& ref) {
    const std::string what = "delete " + ref.describe();
    RtnlLinkPtr link = alloc_link(what);
    if (ref.by_index())
        rtnl_link_set_ifindex(link.get(), ref.ifindex());
    else
        rtnl_link_set_name(link.get(), ref.name().c_str());
    detail::send_built(sock_.get(), what, [&](nl_msg** msg) { return rtnl_link_build_delete_request(link.get(), msg); });
}

void Rtnl::set_up(const LinkRef& ref) {
    RtnlLinkPtr changes = alloc_link("set up");
    rtnl_link_set_flags(changes.get(), IFF_UP);
    change(ref, changes.get(), "set up");
}

void Rtnl::set_down(const LinkRef& ref) {
    RtnlLinkPtr changes = alloc_link("set down");
    rtnl_link_unset_flags(changes.get(), IFF_UP);
    change(ref, changes.get(), "set down");
}

void Rtnl::set_mtu(const LinkRef& ref, unsigned mtu) {
    RtnlLinkPtr changes = alloc_link("set mtu");
    rtnl_link_set_mtu(changes.get(), mtu);
    change(ref, changes.get(), "set mtu " + std::to_string(mtu) + " on");
}

void Rtnl::set_mac(const LinkRef& ref, const MacAddress& mac) {
    RtnlLinkPtr changes = alloc_link("set mac");
    NlAddrPtr addr = ll_addr(mac);
    rtnl_link_set_addr(changes.get(), addr.get());
    change(ref, changes.get(), "set mac " + mac.to_string() + " on");
}

void Rtnl::set_alias(const LinkRef& ref, const std::string& alias) {
    if (alias.size() > 255) throw SystemError(EINVAL, "set alias on " + ref.describe() + ": longer than 255 bytes");
    RtnlLinkPtr changes = alloc_link("set alias");
    rtnl_link_set_ifalias(changes.get(), alias.c_str());
    change(ref, changes.get(), "set alias '" + alias + "' on");
}

void Rtnl::rename(const LinkRef& ref, const std::string& new_name) {
    RtnlLinkPtr changes = alloc_link("rename");
    rtnl_link_set_name(changes.get(), new_name.c_str());
    change(ref, changes.get(), "rename to '" + new_name + "'");
}

void Rtnl::set_master(const LinkRef& ref, const LinkRef& master) {
    const std::string op = "set master " + master.describe() + " of";
    const int master_index = resolve(master, op + " " + ref.describe());
    RtnlLinkPtr changes = alloc_link(op);
    rtnl_link_set_master(changes.get(), master_index);
    change(ref, changes.get(), op);
}

void Rtnl::clear_master(const LinkRef& ref) {
    RtnlLinkPtr changes = alloc_link("clear master");
    rtnl_link_set_master(changes.get(), 0);  // IFLA_MASTER = 0 releases the link
    change(ref, changes.get(), "clear master of");
}

void Rtnl::move_to_netns(const LinkRef& ref, const Netns& target, const std::optional<std::string>& new_name) {
    const std::string what = "move to another netns: " + ref.describe();
    const std::optional<LinkInfo> link = find_link(ref);
    if (!link) throw SystemError(ENODEV, what);
    const int index = link->ifindex;
    if (new_name) {
        set_down(index);
        rename(index, *new_name);
    }
    if (link->iflink > 0) {  // a veth or another stacked link: keep it apart from its peer's ifindex
        std::optional<int> wanted;
        try {
            Rtnl there = Rtnl::in(target);
            wanted = ifindex_apart_from_peer(*link, ifindexes(there));
            move_to_netns_as(index, target, *wanted);
            return;
        } catch (const SystemError& e) {
            spdlog::debug("{}: as ifindex {}: {}; the kernel picks one", what, wanted.value_or(0), e.what());
        }
    }
    RtnlLinkPtr changes = alloc_link("move");
    rtnl_link_set_ns_fd(changes.get(), target.fd());
    change(index, changes.get(), new_name ? "move to another netns: '" + *new_name + "'," : "move to another netns:");
}

void Rtnl::move_to_netns_as(const LinkRef& ref, const Netns& target, int new_ifindex) {
    const std::string what = "move to another netns as ifindex " + std::to_string(new_ifindex) + ": " + ref.describe();
    const int index = resolve(ref, what);
    RtnlLinkPtr orig = alloc_link(what);
    rtnl_link_set_ifindex(orig.get(), index);
    RtnlLinkPtr changes = alloc_link(what);
    rtnl_link_set_ns_fd(changes.get(), target.fd());
    detail::send_built(sock_.get(), what, [&](nl_msg** msg) {
        // libnl has no setter for IFLA_NEW_IFINDEX: appended to the request it builds.
        if (int rc = rtnl_link_build_change_request(orig.get(), changes.get(), 0, msg); rc < 0) return rc;
        if (int rc = nla_put_s32(*msg, IFLA_NEW_IFINDEX, new_ifindex); rc < 0) {
            nlmsg_free(*msg);
            *msg = nullptr;
            return rc;
        }
        return 0;
    });
}

void Rtnl::set_addrgenmode(const LinkRef& ref, AddrGenMode mode) {
    detail::check_ipv6_family("set addrgenmode on " + ref.describe());
    RtnlLinkPtr changes = alloc_link("set addrgenmode");
    if (int rc = rtnl_link_inet6_set_addr_gen_mode(changes.get(), static_cast<std::uint8_t>(mode)); rc < 0)
        detail::throw_nl(rc, "set addrgenmode on " + ref.describe());
    change(ref, changes.get(), "set addrgenmode on");
}

}  // namespace nf::os
