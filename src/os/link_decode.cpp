#include "os/link_decode.h"

#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include <cstring>

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

void decode_standard(nl_msg* msg, LinkInfo& info) {
    RtnlLinkPtr link(reinterpret_cast<rtnl_link*>(parse_object(msg)));
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
void decode_raw_extras(nl_msg* msg, LinkInfo& info) {
    nlattr* tb[IFLA_MAX + 1] = {};
    if (nlmsg_parse(nlmsg_hdr(msg), sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0)
        throw SystemError(EBADMSG, "decode link message '" + info.name + "': bad attributes");
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
    decode_standard(msg, info);
    decode_raw_extras(msg, info);
    return info;
}

}  // namespace nf::os::detail
