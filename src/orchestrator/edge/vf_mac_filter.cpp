#include "orchestrator/edge/vf_mac_filter.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>

#include <cstring>
#include <stdexcept>

#include "os/netns.h"

namespace nf::orchestrator::edge {

using os::detail::NlMsgPtr;

std::string VfMacFilter::describe() const {
    return "vf-mac " + (spec_.netns.empty() ? std::string() : spec_.netns + "/") + spec_.pf + " vf " +
           std::to_string(spec_.vf_index);
}

nl_sock* VfMacFilter::sock() {
    if (!sock_) {
        if (spec_.netns.empty()) {
            sock_ = os::detail::connect_route_socket();
        } else {
            os::NetnsScope scope(os::Netns::open_named(spec_.netns));
            sock_ = os::detail::connect_route_socket();
        }
    }
    return sock_.get();
}

std::pair<unsigned, std::optional<MacAddress>> VfMacFilter::query() {
    // libnl's link object does not ask for VF info (RTEXT_FILTER_VF), so the request is built here.
    NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETLINK, 0));
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = pf_;
    if (!msg || nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0 ||
        nla_put_u32(msg.get(), IFLA_EXT_MASK, RTEXT_FILTER_VF) < 0)
        throw std::runtime_error(describe() + ": build request");
    unsigned num_vf = 0;
    std::optional<MacAddress> mac;
    os::detail::transact(
        sock(), msg.get(),
        [&](nl_msg* reply) {
            nlattr* tb[IFLA_MAX + 1] = {};
            if (nlmsg_parse(nlmsg_hdr(reply), sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0) return;
            if (tb[IFLA_NUM_VF]) num_vf = nla_get_u32(tb[IFLA_NUM_VF]);
            if (!tb[IFLA_VFINFO_LIST]) return;
            nlattr* info = nullptr;
            int rem = 0;
            nla_for_each_nested(info, tb[IFLA_VFINFO_LIST], rem) {
                nlattr* vf[IFLA_VF_MAX + 1] = {};
                if (nla_parse_nested(vf, IFLA_VF_MAX, info, nullptr) < 0 || !vf[IFLA_VF_MAC]) continue;
                if (nla_len(vf[IFLA_VF_MAC]) < static_cast<int>(sizeof(ifla_vf_mac))) continue;
                const auto* m = static_cast<const ifla_vf_mac*>(nla_data(vf[IFLA_VF_MAC]));
                if (static_cast<int>(m->vf) == spec_.vf_index) mac = MacAddress::from_bytes(m->mac);
            }
        },
        "query VFs of " + spec_.pf);
    return {num_vf, mac};
}

void VfMacFilter::check(const std::string& mac) {
    const auto parsed = MacAddress::parse(mac);
    if (!parsed) throw std::runtime_error(describe() + ": '" + mac + "' is not a MAC address");
    mac_ = *parsed;
    if (!spec_.netns.empty() && !os::Netns::named_exists(spec_.netns))
        throw std::runtime_error(describe() + ": no network namespace '" + spec_.netns + "'");
    if (spec_.netns.empty()) {
        pf_ = static_cast<int>(::if_nametoindex(spec_.pf.c_str()));
    } else {
        os::NetnsScope scope(os::Netns::open_named(spec_.netns));
        pf_ = static_cast<int>(::if_nametoindex(spec_.pf.c_str()));
    }
    if (pf_ == 0) throw std::runtime_error(describe() + ": no link '" + spec_.pf + "'");
    const auto [num_vf, current] = query();
    if (num_vf == 0) throw std::runtime_error(describe() + ": '" + spec_.pf + "' has no SR-IOV VFs");
    if (static_cast<unsigned>(spec_.vf_index) >= num_vf || !current)
        throw std::runtime_error(describe() + ": '" + spec_.pf + "' has " + std::to_string(num_vf) + " VFs, no VF " +
                                 std::to_string(spec_.vf_index));
    found_ = *current;
}

void VfMacFilter::set_mac(const MacAddress& mac) {
    NlMsgPtr msg(nlmsg_alloc_simple(RTM_SETLINK, 0));
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = pf_;
    ifla_vf_mac vf_mac{};
    vf_mac.vf = static_cast<__u32>(spec_.vf_index);
    std::memcpy(vf_mac.mac, mac.data(), 6);
    const std::string what = "set " + describe() + " mac " + mac.to_string();
    if (!msg || nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0) throw std::runtime_error(what + ": build");
    nlattr* list = nla_nest_start(msg.get(), IFLA_VFINFO_LIST);
    nlattr* info = list ? nla_nest_start(msg.get(), IFLA_VF_INFO) : nullptr;
    if (!info || nla_put(msg.get(), IFLA_VF_MAC, sizeof vf_mac, &vf_mac) < 0) throw std::runtime_error(what + ": build");
    nla_nest_end(msg.get(), info);
    nla_nest_end(msg.get(), list);
    os::detail::transact(sock(), msg.get(), what);
}

}  // namespace nf::orchestrator::edge
