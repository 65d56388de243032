// Bridge: static FDB entries (the NIC embedded switch's MAC filter in the lab) and port flags.
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "common/error.h"
#include "os/rtnl.h"

namespace nf::os {

using detail::NlAddrPtr;
using detail::NlMsgPtr;
using detail::RtnlNeighPtr;

namespace {

RtnlNeighPtr make_fdb_neigh(int port, const MacAddress& mac, int vlan, bool sticky, const std::string& what) {
    RtnlNeighPtr neigh(rtnl_neigh_alloc());
    NlAddrPtr lladdr(nl_addr_build(AF_LLC, mac.data(), 6));
    if (!neigh || !lladdr) throw SystemError(ENOMEM, what + ": allocate");
    rtnl_neigh_set_family(neigh.get(), AF_BRIDGE);
    rtnl_neigh_set_ifindex(neigh.get(), port);
    rtnl_neigh_set_lladdr(neigh.get(), lladdr.get());  // takes its own reference
    rtnl_neigh_set_state(neigh.get(), NUD_NOARP);      // "static": never ages, not local
    rtnl_neigh_set_flags(neigh.get(), NTF_MASTER | (sticky ? NTF_STICKY : 0));  // the bridge's table, not the port's
    if (vlan > 0) rtnl_neigh_set_vlan(neigh.get(), vlan);
    return neigh;
}

std::string fdb_what(const char* op, const MacAddress& mac, const LinkRef& port, int vlan) {
    return std::string(op) + " fdb " + mac.to_string() + (vlan > 0 ? " vlan " + std::to_string(vlan) : "") +
           " on port " + port.describe();
}

}  // namespace

void Rtnl::add_fdb(const LinkRef& port, const MacAddress& mac, const FdbOptions& options) {
    const std::string what = fdb_what(options.sticky ? "add sticky" : "add", mac, port, options.vlan);
    RtnlNeighPtr neigh = make_fdb_neigh(resolve(port, what), mac, options.vlan, options.sticky, what);
    detail::send_built(sock_.get(), what, [&](nl_msg** msg) {
        return rtnl_neigh_build_add_request(neigh.get(), NLM_F_CREATE | NLM_F_REPLACE, msg);
    });
}

void Rtnl::del_fdb(const LinkRef& port, const MacAddress& mac, int vlan) {
    const std::string what = fdb_what("delete", mac, port, vlan);
    RtnlNeighPtr neigh = make_fdb_neigh(resolve(port, what), mac, vlan, false, what);
    detail::send_built(sock_.get(), what, [&](nl_msg** msg) { return rtnl_neigh_build_delete_request(neigh.get(), 0, msg); });
}

std::vector<FdbEntry> Rtnl::fdb(const std::optional<LinkRef>& bridge) {
    const std::string what = bridge ? "dump fdb of " + bridge->describe() : std::string("dump fdb");
    const int bridge_index = bridge ? resolve(*bridge, what) : 0;
    for (int attempt = 0;; ++attempt) {
        NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETNEIGH, NLM_F_DUMP));
        ndmsg ndm{};
        ndm.ndm_family = AF_BRIDGE;
        if (!msg || nlmsg_append(msg.get(), &ndm, sizeof ndm, NLMSG_ALIGNTO) < 0)
            throw SystemError(ENOMEM, what + ": build request");
        std::vector<FdbEntry> out;
        try {
            detail::transact(
                sock_.get(), msg.get(),
                [&](nl_msg* reply) {
                    RtnlNeighPtr neigh(reinterpret_cast<rtnl_neigh*>(detail::parse_object(reply)));
                    if (!neigh || rtnl_neigh_get_family(neigh.get()) != AF_BRIDGE) return;
                    nl_addr* lladdr = rtnl_neigh_get_lladdr(neigh.get());
                    if (!lladdr || nl_addr_get_len(lladdr) != 6) return;
                    FdbEntry entry;
                    entry.mac = MacAddress::from_bytes(static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(lladdr)));
                    entry.port = rtnl_neigh_get_ifindex(neigh.get());
                    entry.master = rtnl_neigh_get_master(neigh.get());
                    entry.vlan = std::max(0, rtnl_neigh_get_vlan(neigh.get()));
                    const int state = rtnl_neigh_get_state(neigh.get());
                    entry.is_local = (state & NUD_PERMANENT) != 0;
                    entry.is_static = !entry.is_local && (state & NUD_NOARP) != 0;
                    const unsigned flags = rtnl_neigh_get_flags(neigh.get());
                    entry.master_entry = (flags & NTF_SELF) == 0;
                    entry.sticky = (flags & NTF_STICKY) != 0;
                    if (bridge_index == 0 || entry.master == bridge_index) out.push_back(entry);
                },
                what);
            return out;
        } catch (const SystemError& e) {
            if (e.errno_value() != EINTR || attempt >= 4) throw;
        }
    }
}

// libnl 3.7's bridge helpers only build "self" (hardware) port changes, so the nested IFLA_PROTINFO for
// the bridge itself is written by hand (`bridge link set dev PORT learning off flood on`).
void Rtnl::set_bridge_port_flags(const LinkRef& port, const BridgePortFlags& flags) {
    const std::string what = "set bridge port flags on " + port.describe();
    ifinfomsg ifi{};
    ifi.ifi_family = AF_BRIDGE;
    ifi.ifi_index = resolve(port, what);
    NlMsgPtr msg(nlmsg_alloc_simple(RTM_SETLINK, 0));
    if (!msg || nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0)
        throw SystemError(ENOMEM, what + ": build request");
    nlattr* protinfo = nla_nest_start(msg.get(), IFLA_PROTINFO | NLA_F_NESTED);
    if (!protinfo) throw SystemError(ENOMEM, what + ": build request");
    if (flags.learning && nla_put_u8(msg.get(), IFLA_BRPORT_LEARNING, *flags.learning) < 0)
        throw SystemError(ENOMEM, what + ": build request");
    if (flags.unicast_flood && nla_put_u8(msg.get(), IFLA_BRPORT_UNICAST_FLOOD, *flags.unicast_flood) < 0)
        throw SystemError(ENOMEM, what + ": build request");
    nla_nest_end(msg.get(), protinfo);
    detail::transact(sock_.get(), msg.get(), what);
}

}  // namespace nf::os
