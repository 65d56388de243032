#include "vmm/mac_filter.h"

#include <linux/neighbour.h>
#include <netlink/route/neighbour.h>
#include <spdlog/spdlog.h>

#include "common/error.h"
#include "os/nl_transact.h"

namespace nf::vmm {

namespace {
// `bridge fdb replace MAC dev PORT master static sticky`. Sticky matters: a plain static entry roams to
// whichever port the MAC is next seen on (the guest's PV port), while a NIC's VF filter never does.
// Os::Rtnl::add_fdb has no sticky flag yet, so this one request is built here on its socket.
void add_sticky_fdb(os::Rtnl& rtnl, int port, const MacAddress& mac) {
    const std::string what = "add sticky fdb " + mac.to_string() + " on port #" + std::to_string(port);
    os::detail::RtnlNeighPtr neigh(rtnl_neigh_alloc());
    os::detail::NlAddrPtr lladdr(nl_addr_build(AF_LLC, mac.data(), 6));
    if (!neigh || !lladdr) throw SystemError(ENOMEM, what + ": allocate");
    rtnl_neigh_set_family(neigh.get(), AF_BRIDGE);
    rtnl_neigh_set_ifindex(neigh.get(), port);
    rtnl_neigh_set_lladdr(neigh.get(), lladdr.get());
    rtnl_neigh_set_state(neigh.get(), NUD_NOARP);
    rtnl_neigh_set_flags(neigh.get(), NTF_MASTER | NTF_STICKY);
    nl_msg* raw = nullptr;
    if (const int rc = rtnl_neigh_build_add_request(neigh.get(), NLM_F_CREATE | NLM_F_REPLACE, &raw); rc < 0)
        os::detail::throw_nl(rc, what + ": build request");
    os::detail::NlMsgPtr msg(raw);
    os::detail::transact(rtnl.socket(), msg.get(), what);
}
}  // namespace

VfMacFilter::VfMacFilter(os::Rtnl& host, VfFilterPolicy policy, int port_ifindex, std::string port_name,
                         MacAddress mac)
    : host_(host), policy_(policy), port_ifindex_(port_ifindex), port_name_(std::move(port_name)), mac_(mac) {}

VfMacFilter::~VfMacFilter() {
    try {
        remove();
    } catch (const std::exception& e) {
        spdlog::warn("vf filter {} on {}: {}", mac_.to_string(), port_name_, e.what());
    }
}

void VfMacFilter::update(bool plugged, bool bound) {
    const bool want = policy_ == VfFilterPolicy::Stale ? (installed_ || plugged) : (plugged && bound);
    if (want && !installed_) install();
    else if (!want && installed_) remove();
}

void VfMacFilter::install() {
    add_sticky_fdb(host_, port_ifindex_, mac_);
    installed_ = true;
    spdlog::info("vf filter: {} -> {} installed", mac_.to_string(), port_name_);
}

void VfMacFilter::remove() {
    if (!installed_) return;
    installed_ = false;
    try {
        host_.del_fdb(port_ifindex_, mac_);
    } catch (const SystemError& e) {
        if (e.errno_value() != ENOENT && e.errno_value() != ENODEV) throw;
    }
    spdlog::info("vf filter: {} -> {} removed", mac_.to_string(), port_name_);
}

nlohmann::json VfMacFilter::describe() const {
    return {{"mac", mac_.to_string()}, {"bridge-port", port_name_}, {"policy", to_string(policy_)},
            {"installed", installed_}};
}

}  // namespace nf::vmm
