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

VfMacFilter::VfState VfMacFilter::query() {
    // libnl's link object does not ask for VF info (RTEXT_FILTER_VF), so the request is built here.
    NlMsgPtr msg(nlmsg_alloc_simple(RTM_GETLINK, 0));
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = pf_;
    if (!msg || nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0 ||
        nla_put_u32(msg.get(), IFLA_EXT_MASK, RTEXT_FILTER_VF) < 0)
        throw std::runtime_error(describe() + ": build request");
    VfState state;
    os::detail::transact(
        sock(), msg.get(),
        [&](nl_msg* reply) {
            nlattr* tb[IFLA_MAX + 1] = {};
            if (nlmsg_parse(nlmsg_hdr(reply), sizeof(ifinfomsg), tb, IFLA_MAX, nullptr) < 0) return;
            if (tb[IFLA_NUM_VF]) state.num_vf = nla_get_u32(tb[IFLA_NUM_VF]);
            if (!tb[IFLA_VFINFO_LIST]) return;
            nlattr* info = nullptr;
            int rem = 0;
            nla_for_each_nested(info, tb[IFLA_VFINFO_LIST], rem) {
                nlattr* vf[IFLA_VF_MAX + 1] = {};
                if (nla_parse_nested(vf, IFLA_VF_MAX, info, nullptr) < 0 || !vf[IFLA_VF_MAC]) continue;
                if (nla_len(vf[IFLA_VF_MAC]) < static_cast<int>(sizeof(ifla_vf_mac))) continue;
                const auto* m = static_cast<const ifla_vf_mac*>(nla_data(vf[IFLA_VF_MAC]));
                if (static_cast<int>(m->vf) != spec_.vf_index) continue;
                state.mac = MacAddress::from_bytes(m->mac);
                if (vf[IFLA_VF_LINK_STATE] &&
                    nla_len(vf[IFLA_VF_LINK_STATE]) >= static_cast<int>(sizeof(ifla_vf_link_state)))
                    state.link_state = static_cast<const ifla_vf_link_state*>(nla_data(vf[IFLA_VF_LINK_STATE]))->link_state;
            }
        },
        "query VFs of " + spec_.pf);
    return state;
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
    const VfState vf = query();
    const auto num_vf = vf.num_vf;
    const auto& current = vf.mac;
    if (num_vf == 0) throw std::runtime_error(describe() + ": '" + spec_.pf + "' has no SR-IOV VFs");
    if (static_cast<unsigned>(spec_.vf_index) >= num_vf || !current)
        throw std::runtime_error(describe() + ": '" + spec_.pf + "' has " + std::to_string(num_vf) + " VFs, no VF " +
                                 std::to_string(spec_.vf_index));
    found_ = *current;
    link_found_ = vf.link_state;
}

void VfMacFilter::set_mac(const MacAddress& mac) {
    ifla_vf_mac vf_mac{};
    vf_mac.vf = static_cast<__u32>(spec_.vf_index);
    std::memcpy(vf_mac.mac, mac.data(), 6);
    set_vf(IFLA_VF_MAC, &vf_mac, sizeof vf_mac, "set " + describe() + " mac " + mac.to_string());
}

void VfMacFilter::set_link_state(std::uint32_t state) {
    ifla_vf_link_state link{};
    link.vf = static_cast<__u32>(spec_.vf_index);
    link.link_state = state;
    set_vf(IFLA_VF_LINK_STATE, &link, sizeof link, "set " + describe() + " state " + std::to_string(state));
}

bool VfMacFilter::link_down() {
    set_link_state(IFLA_VF_LINK_STATE_DISABLE);
    link_changed_ = true;
    return true;
}

void VfMacFilter::link_restore() {
    if (!link_changed_) return;
    set_link_state(link_found_);
    link_changed_ = false;
}

// libnl's rtnl_link_vf setters work on a link object read with its VF list, which libnl's link cache does not
// ask for (RTEXT_FILTER_VF, see query()); one RTM_SETLINK with the one VF attribute is built here instead.
void VfMacFilter::set_vf(int type, const void* payload, int len, const std::string& what) {
    NlMsgPtr msg(nlmsg_alloc_simple(RTM_SETLINK, 0));
    ifinfomsg ifi{};
    ifi.ifi_family = AF_UNSPEC;
    ifi.ifi_index = pf_;
    if (!msg || nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0) throw std::runtime_error(what + ": build");
    nlattr* list = nla_nest_start(msg.get(), IFLA_VFINFO_LIST);
    nlattr* info = list ? nla_nest_start(msg.get(), IFLA_VF_INFO) : nullptr;
    if (!info || nla_put(msg.get(), type, len, payload) < 0) throw std::runtime_error(what + ": build");
    nla_nest_end(msg.get(), info);
    nla_nest_end(msg.get(), list);
    os::detail::transact(sock(), msg.get(), what);
}

}  // namespace nf::orchestrator::edge
