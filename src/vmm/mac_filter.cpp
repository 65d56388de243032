#include "vmm/mac_filter.h"

#include <spdlog/spdlog.h>

#include "common/error.h"

namespace nf::vmm {

VfMacFilter::VfMacFilter(os::Rtnl& host, VfFilterPolicy policy, int port_ifindex, std::string port_name,
                         MacAddress mac)
    : host_(host), policy_(policy), port_ifindex_(port_ifindex), port_name_(std::move(port_name)), mac_(mac) {}

VfMacFilter::~VfMacFilter() {
    try {
        remove();
        if (learning_stopped_) set_learning(true);
    } catch (const std::exception& e) {
        spdlog::warn("vf filter {} on {}: {}", mac_.to_string(), port_name_, e.what());
    }
}

bool VfMacFilter::update(bool plugged, bool bound, bool leaving) {
    const bool stale = policy_ == VfFilterPolicy::Stale;
    const bool want = stale ? (installed_ || plugged) : (plugged && bound && !leaving);
    const bool joining = plugged && !bound && !leaving;
    const bool stop_learning = !stale && (leaving || joining);
    // Learning off before the entry goes (the VF may still send) or before the VF can send at all (joining);
    // on again after the entry is in.
    if (stop_learning && !learning_stopped_) set_learning(false);
    const bool moved = want && !installed_;
    if (moved) install();
    else if (!want && installed_) remove();
    if (!stop_learning && learning_stopped_) set_learning(true);
    return moved;
}

void VfMacFilter::set_learning(bool on) {
    try {
        host_.set_bridge_port_flags(port_ifindex_, {.learning = on});
    } catch (const SystemError& e) {
        if (e.errno_value() != ENODEV) throw;  // the port is gone: nothing to learn on
    }
    learning_stopped_ = !on;
    spdlog::info("vf filter: learning on {} {}", port_name_, on ? "restored" : "stopped while the VF joins or leaves");
}

void VfMacFilter::install() {
    // Sticky: a plain static entry would roam to the guest's PV port once the MAC is seen there; a NIC's
    // VF filter never does.
    host_.add_fdb(port_ifindex_, mac_, {.sticky = true});
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
            {"installed", installed_}, {"learning-stopped", learning_stopped_}};
}

}  // namespace nf::vmm
