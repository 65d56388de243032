// Vmm: a joining VF's switch port comes up after the guest opened the VF, never before.
//
// Why: the lab's VF is a veth whose host end is a port of the host bridge. A veth has carrier on both ends
// once both are up, and the kernel's link watcher then handles the two ends one after the other, in the
// order their carrier came (FIFO, in one run under RTNL): the guest's end first when the guest opens the VF
// last. The guest's failoverd sees its VF running and moves TX to it at once, while the bridge still treats
// the host end as disabled and drops the guest's first frames (1-2 lost toward the client in about one
// `make demo` migration in seven, 2-6 ms on a loaded machine). A real VF's switch port has no such state.
// So, with --vf-filter while-bound, the host end is taken down just before the plug and brought up by us
// once the guest has opened the VF: then its carrier comes first, the bridge forwards on it before the guest
// hears of carrier on its end. Bounded: after kVfPortHoldMax the port comes up anyway (a guest that never
// opens the VF sees no difference), and it is up again whenever the VF leaves or the VMM exits.
#include <spdlog/spdlog.h>

#include "vmm/vmm.h"

namespace nf::vmm {

namespace {
constexpr auto kVfPortHoldMax = std::chrono::milliseconds(2000);
}  // namespace

void Vmm::hold_vf_port_down(int port_ifindex) {
    ns_->host_rtnl.set_down(port_ifindex);
}

void Vmm::held_vf_port_plugged(const std::string& id, int port_ifindex, int guest_ifindex) {
    HeldVfPort held{port_ifindex, guest_ifindex, 0};
    held.fallback = loop_.after(kVfPortHoldMax, [this, id] {
        if (const auto it = held_vf_ports_.find(id); it != held_vf_ports_.end()) it->second.fallback = 0;
        spdlog::info("primary {}: the guest did not open its VF within {} ms; its bridge port goes up anyway", id,
                     kVfPortHoldMax.count());
        release_vf_port(id);
    }, "vf port hold");
    held_vf_ports_[id] = held;
    // The guest may have opened it already (failoverd does within a millisecond of its arrival). Unsure: up.
    try {
        const auto link = ns_->guest_rtnl.find_link(guest_ifindex);
        if (link && !link->admin_up) return;
    } catch (const std::exception& e) {
        spdlog::warn("primary {}: reading its VF in the guest: {}", id, e.what());
    }
    release_vf_port(id);
}

void Vmm::release_vf_port(const std::string& id) {
    const auto it = held_vf_ports_.find(id);
    if (it == held_vf_ports_.end()) return;
    const HeldVfPort held = it->second;
    held_vf_ports_.erase(it);
    if (held.fallback) loop_.cancel(held.fallback);
    try {
        ns_->host_rtnl.set_up(held.port_ifindex);
    } catch (const std::exception& e) {
        spdlog::warn("primary {}: bringing its VF's bridge port up: {}", id, e.what());
    }
    // The guest moves its TX to the VF once it sees carrier, which this just gave it: what it queued on its
    // standby's tap goes out first (the forwarder thread may lag by milliseconds on a busy host).
    for (auto& [standby_id, standby] : standbys_) standby->drain_from_guest();
}

void Vmm::on_guest_link_events() {
    if (!guest_monitor_) return;
    bool resync = guest_monitor_->resync_needed();
    std::vector<std::string> opened;
    for (const auto& event : guest_monitor_->drain()) {
        if (event.kind == os::LinkEvent::Kind::Overrun) {
            resync = true;
            continue;
        }
        if (event.kind != os::LinkEvent::Kind::New || !event.link.admin_up) continue;
        for (const auto& [id, held] : held_vf_ports_)
            if (held.guest_ifindex == event.link.ifindex) opened.push_back(id);
    }
    if (resync) {
        guest_monitor_->resync();
        for (const auto& [id, held] : held_vf_ports_) {
            const auto link = ns_->guest_rtnl.find_link(held.guest_ifindex);
            if (!link || link->admin_up) opened.push_back(id);
        }
    }
    for (const auto& id : opened) release_vf_port(id);
}

}  // namespace nf::vmm
