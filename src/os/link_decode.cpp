#include "os/link_decode.h"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <array>
#include <cstring>
#include <string>

#include "common/error.h"
#include "os/nl_transact.h"

namespace nf::os::detail {
namespace {

std::optional<MacAddress> mac_attr(nlattr* attr) {
    if (!attr || nla_len(attr) != 6) return std::nullopt;
    return MacAddress::from_bytes(static_cast<const std::uint8_t*>(nla_data(attr)));
}

// Bounded by the attribute: nla_get_string trusts a NUL that a malformed message need not have.
std::string string_attr(nlattr* attr) {
    if (!attr || nla_len(attr) <= 0) return {};
    const auto* text = static_cast<const char*>(nla_data(attr));
    return std::string(text, ::strnlen(text, static_cast<std::size_t>(nla_len(attr))));
}

unsigned u32_attr(nlattr* attr) { return attr && nla_len(attr) >= 4 ? nla_get_u32(attr) : 0; }

std::optional<int> s32_attr(nlattr* attr) {
    if (!attr || nla_len(attr) < 4) return std::nullopt;
    return static_cast<int>(nla_get_s32(attr));
}

using AttrTable = std::array<nlattr*, IFLA_MAX + 1>;

// What libnl's link parser is handed: a copy of the message with only the attributes decode_standard reads.
// libnl 3.7's parser trusts parts of a link message that the kernel always gets right and a malformed one
// need not: it strdup()s IFLA_INFO_SLAVE_KIND with no check for its NUL (a read past the message, found by
// the link_decode fuzz target; libnl's master is the same), reads IFLA_LINK_NETNSID with no length check,
// and walks the SR-IOV list, IFLA_AF_SPEC and each link kind's IFLA_INFO_DATA with parsers of its own that
// this monitor never uses. A parser we do not need is one we do not run. The copy is never larger than the
// message, so a put cannot run out of room.
NlMsgPtr libnl_view(nl_msg* msg, const AttrTable& tb) {
    const nlmsghdr* hdr = nlmsg_hdr(msg);
    NlMsgPtr view(nlmsg_alloc_size(NLMSG_ALIGN(hdr->nlmsg_len)));
    if (!view) throw SystemError(ENOMEM, "decode link message: no memory for a copy");
    nlmsghdr* out = nlmsg_hdr(view.get());
    out->nlmsg_type = hdr->nlmsg_type;
    out->nlmsg_flags = hdr->nlmsg_flags;
    out->nlmsg_seq = hdr->nlmsg_seq;
    out->nlmsg_pid = hdr->nlmsg_pid;
    nlmsg_set_proto(view.get(), nlmsg_get_proto(msg));
    const auto put = [&](int type, const nlattr* attr) {
        if (nla_put(view.get(), type, nla_len(attr), nla_data(attr)) < 0)
            throw SystemError(EBADMSG, "decode link message: attribute " + std::to_string(type) + " does not fit");
    };
    if (nlmsg_append(view.get(), nlmsg_data(hdr), sizeof(ifinfomsg), NLMSG_ALIGNTO) < 0)
        throw SystemError(EBADMSG, "decode link message: header does not fit");
    // libnl's own policy checks these (strings end in NUL, integers are long enough); the address has any length.
    for (const int type : {IFLA_IFNAME, IFLA_IFALIAS, IFLA_ADDRESS, IFLA_OPERSTATE, IFLA_MTU, IFLA_MASTER,
                           IFLA_CARRIER, IFLA_LINK})
        if (tb[type]) put(type, tb[type]);
    // Not in libnl's policy: checked here.
    if (nlattr* nsid = tb[IFLA_LINK_NETNSID]) {
        if (nla_len(nsid) < 4) throw SystemError(EBADMSG, "decode link message: IFLA_LINK_NETNSID too short");
        put(IFLA_LINK_NETNSID, nsid);
    }
    // Of the link info, the kind only (NUL-checked by libnl's policy): its data is each kind's own parser.
    if (nlattr* linkinfo = tb[IFLA_LINKINFO]) {
        nlattr* li[IFLA_INFO_MAX + 1] = {};
        if (nla_parse_nested(li, IFLA_INFO_MAX, linkinfo, nullptr) < 0)
            throw SystemError(EBADMSG, "decode link message: bad IFLA_LINKINFO");
        if (li[IFLA_INFO_KIND]) {
            nlattr* nest = nla_nest_start(view.get(), IFLA_LINKINFO);
            if (!nest) throw SystemError(EBADMSG, "decode link message: IFLA_LINKINFO does not fit");
            put(IFLA_INFO_KIND, li[IFLA_INFO_KIND]);
            nla_nest_end(view.get(), nest);
        }
    }
    return view;
}

void decode_standard(nl_msg* msg, const AttrTable& tb, LinkInfo& info) {
    const NlMsgPtr view = libnl_view(msg, tb);
    RtnlLinkPtr link(reinterpret_cast<rtnl_link*>(parse_object(view.get())));
    if (!link) throw SystemError(EBADMSG, "decode link message: libnl could not parse it");
    if (const char* name = rtnl_link_get_name(link.get())) info.name = name;
    if (const char* kind = rtnl_link_get_type(link.get())) info.kind = kind;
    if (const char* alias = rtnl_link_get_ifalias(link.get())) info.alias = alias;
    if (nl_addr* addr = rtnl_link_get_addr(link.get()); addr && nl_addr_get_len(addr) == 6)
        info.mac = MacAddress::from_bytes(static_cast<const std::uint8_t*>(nl_addr_get_binary_addr(addr)));
    info.operstate = rtnl_link_get_operstate(link.get());
    info.mtu = rtnl_link_get_mtu(link.get());
    info.master = rtnl_link_get_master(link.get());
    info.carrier = rtnl_link_get_carrier(link.get()) != 0;
    info.iflink = rtnl_link_get_link(link.get());
    std::int32_t nsid = 0;
    if (rtnl_link_get_link_netnsid(link.get(), &nsid) == 0) info.link_netnsid = nsid;
}

// libnl 3.7 has no parser for these attributes, so they are read from the raw message.
void decode_raw_extras(const AttrTable& tb, LinkInfo& info) {
    info.perm_mac = mac_attr(tb[IFLA_PERM_ADDRESS]);
    if (info.perm_mac && info.perm_mac->is_zero()) info.perm_mac.reset();
    info.min_mtu = u32_attr(tb[IFLA_MIN_MTU]);
    info.max_mtu = u32_attr(tb[IFLA_MAX_MTU]);
    info.parent_dev_name = string_attr(tb[IFLA_PARENT_DEV_NAME]);
    info.parent_bus_name = string_attr(tb[IFLA_PARENT_DEV_BUS_NAME]);
    info.new_netnsid = s32_attr(tb[IFLA_NEW_NETNSID]);
    info.new_ifindex = s32_attr(tb[IFLA_NEW_IFINDEX]);
}

}  // namespace

LinkInfo decode_link(nl_msg* msg) {
    nlmsghdr* hdr = nlmsg_hdr(msg);
    if (!nlmsg_valid_hdr(hdr, sizeof(ifinfomsg))) throw SystemError(EBADMSG, "decode link message: too short");
    const auto* ifi = static_cast<const ifinfomsg*>(nlmsg_data(hdr));
    LinkInfo info;
    info.ifindex = ifi->ifi_index;
    info.arptype = ifi->ifi_type;
    // Flags straight from the header: they are the earliest failover signal and must not be filtered.
    info.admin_up = (ifi->ifi_flags & IFF_UP) != 0;
    info.running = (ifi->ifi_flags & IFF_RUNNING) != 0;
    info.lower_up = (ifi->ifi_flags & IFF_LOWER_UP) != 0;
    AttrTable tb{};
    if (nlmsg_parse(hdr, sizeof(ifinfomsg), tb.data(), IFLA_MAX, nullptr) < 0)
        throw SystemError(EBADMSG, "decode link message: bad attributes");
    decode_standard(msg, tb, info);
    decode_raw_extras(tb, info);
    return info;
}

}  // namespace nf::os::detail
