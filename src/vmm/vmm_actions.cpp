// Vmm: the ActionSink — the device model's decisions carried out on real links, taps and cgroups.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "common/error.h"
#include "common/overloaded.h"
#include "vmm/vmm.h"

namespace nf::vmm {

namespace {
std::optional<MacAddress> mac_of(const std::string& text) {
    if (text.empty()) return std::nullopt;
    return MacAddress::parse(text);
}

std::string plugged_id(const device::Action& action) {
    if (const auto* a = std::get_if<device::PlugPrimary>(&action)) return a->id;
    if (const auto* a = std::get_if<device::PlugStandby>(&action)) return a->id;
    return "";
}
}  // namespace

void Vmm::carry_out(const device::Action& action) {
    spdlog::debug("action: {}", device::to_string(action));
    try {
        std::visit(Overloaded{
                       [&](const device::PlugStandby& a) { plug_standby(a); },
                       [&](const device::UnplugStandby& a) { unplug_standby(a); },
                       [&](const device::PlugPrimary& a) { plug_primary(a); },
                       [&](const device::UnplugPrimary& a) { unplug_primary(a); },
                       [&](const device::SetStandbyCarrier& a) {
                           if (const auto it = standbys_.find(a.id); it != standbys_.end()) it->second->set_link(a.up);
                       },
                       [&](const device::PauseGuest&) { set_paused(true); },
                       [&](const device::ResumeGuest&) { set_paused(false); },
                       // The guest hears of these over the channel (MachineService); the VF's MAC filter
                       // goes now, while the VF is still up (mac_filter.h), and comes back on a cancel.
                       [&](const device::RequestEject& a) { set_leaving(a.id, true); },
                       [&](const device::CancelEject& a) { set_leaving(a.id, false); },
                   },
                   action);
    } catch (const std::exception& e) {
        if (starting_) throw;
        spdlog::error("{}: {}", device::to_string(action), e.what());
        const std::string id = plugged_id(action);
        if (id.empty()) return;
        // A device the backend could not build is not there: the model must forget it too.
        if (adding_) plug_failure_ = {id, e.what()};
        else queue_removal(id);
    }
}

const BackendProps* Vmm::props_for(const std::string& id) {
    if (const auto it = props_.find(id); it != props_.end()) return &it->second;
    if (adding_) {
        props_[id] = *adding_;  // an anonymous device gets its generated id here
        return &props_[id];
    }
    return nullptr;
}

std::string Vmm::ifname_for(const std::string& id, const BackendProps* props) const {
    if (props && !props->ifname.empty()) return props->ifname;
    if (valid_ifname(id)) return id;
    return "nf" + std::to_string(std::hash<std::string>{}(id) % 100000);
}

std::string Vmm::next_tap_name() {
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::string name = options_.name + "-sb" + std::to_string(tap_serial_++ % 100);
        if (!ns_->host_rtnl.find_link(name)) return name;
    }
    throw SystemError(EEXIST, "no free temporary tap name for " + options_.name);
}

void Vmm::plug_standby(const device::PlugStandby& action) {
    const BackendProps* props = props_for(action.id);
    BridgeNetdev* netdev = nullptr;
    if (props && !props->netdev.empty())
        for (auto& candidate : netdevs_)
            if (candidate->spec().id == props->netdev) netdev = candidate.get();
    if (!options_.incoming.empty() && !incoming_.loaded()) {
        // A migration's destination: the guest already has this NIC; its tap comes with the stream.
        if (netdev) netdev->set_user(action.id);
        awaited_taps_.push_back({action.id, ifname_for(action.id, props), netdev});
        return;
    }
    auto tap = StandbyTap::create(ns_->host_rtnl, ns_->guest_rtnl, ns_->guest, next_tap_name(),
                                  ifname_for(action.id, props), mac_of(action.mac));
    standbys_[action.id] = std::make_unique<StandbyDevice>(action.id, std::move(tap), netdev, paused_, &netpass_cache_);
}

void Vmm::unplug_standby(const device::UnplugStandby& action) {
    std::erase_if(awaited_taps_, [&](const AwaitedTap& t) { return t.id == action.id; });
    standbys_.erase(action.id);
}

void Vmm::plug_primary(const device::PlugPrimary& action) {
    if (!options_.incoming.empty() && (!incoming_.guest_started() || paused_ || netpass_holds())) {
        // A migration's destination before the guest runs here (e.g. a failover=off primary plugged at
        // start-up, or the negotiated standby's primary loaded with the device state, whose resume follows
        // in the same outcome): QEMU realizes it, the guest sees it once it runs. The VF goes in when we
        // resume it, and with netpass once the source's frames are injected (plug_deferred_primaries); the
        // guest runs at the source until then and must not get this host's VF.
        std::erase_if(deferred_primaries_, [&](const device::PlugPrimary& p) { return p.id == action.id; });
        deferred_primaries_.push_back(action);
        spdlog::info("primary {}: plugged into the VM once the guest runs here{}", action.id,
                     netpass_holds() ? " and netpass has injected the source's frames" : "");
        return;
    }
    const BackendProps* props = props_for(action.id);
    if (!props || props->host.empty()) {
        // e.g. a virtio-net primary as in QEMU's qtests: the model has it, no "VF" stands behind it.
        spdlog::info("primary {}: no host= device, present in the model only", action.id);
        return;
    }
    // The filter first: it stops learning on the VF's port before the guest can open the VF (a guest daemon
    // opens it within a millisecond of its arrival, before this plug has returned), so the guest's first
    // frames through it cannot move the MAC behind the filter's back (mac_filter.h, "joining").
    int joining_port = 0;
    {
        const VfPort port = find_vf_port(ns_->host_rtnl, props->host);
        joining_port = port.ifindex;
        const MacAddress joining_mac = mac_of(action.mac).value_or(ns_->host_rtnl.link(props->host).mac);
        auto& filter = filters_[props->host];
        if (!filter || filter->port_ifindex() != port.ifindex || filter->mac() != joining_mac)
            filter = std::make_unique<VfMacFilter>(ns_->host_rtnl, options_.vf_filter, port.ifindex, port.name, joining_mac);
        filter->update(true, false, false);
        if (options_.vf_filter == VfFilterPolicy::WhileBound) hold_vf_port_down(port.ifindex);
    }
    std::unique_ptr<PrimaryVeth> primary;
    try {
        primary = PrimaryVeth::plug(*ns_, action.id, props->host, ifname_for(action.id, props), mac_of(action.mac),
                                    props->alias);
    } catch (...) {
        update_filter(props->host);  // not joining after all: learning back on, the port up again
        if (options_.vf_filter == VfFilterPolicy::WhileBound) ns_->host_rtnl.set_up(joining_port);
        throw;
    }
    const int vf_port_index = primary->port().ifindex;
    const int vf_guest_index = primary->guest_ifindex();
    const std::string host_if = primary->host_if();
    auto& filter = filters_[host_if];
    if (!filter || filter->port_ifindex() != primary->port().ifindex || filter->mac() != primary->mac())
        filter = std::make_unique<VfMacFilter>(ns_->host_rtnl, options_.vf_filter, primary->port().ifindex,
                                               primary->port().name, primary->mac());
    primaries_[action.id] = std::move(primary);
    save_run_record();
    update_filter(host_if);
    if (options_.vf_filter == VfFilterPolicy::WhileBound) held_vf_port_plugged(action.id, vf_port_index, vf_guest_index);
}

void Vmm::unplug_primary(const device::UnplugPrimary& action) {
    std::erase_if(deferred_primaries_, [&](const device::PlugPrimary& p) { return p.id == action.id; });
    release_vf_port(action.id);  // the VF's switch port is up whenever no VF joins through it
    const auto it = primaries_.find(action.id);
    if (it == primaries_.end()) return;  // model-only, or its plug failed
    const std::string host_if = it->second->host_if();
    // The filter goes before the VF does (already so after an eject request; not for a surprise removal).
    it->second->set_leaving(true);
    update_filter(host_if);
    std::unique_ptr<PrimaryVeth> primary = std::move(it->second);
    primaries_.erase(it);
    primary->unplug();
    save_run_record();
    update_filter(host_if);
}

void Vmm::set_leaving(const std::string& id, bool leaving) {
    const auto it = primaries_.find(id);
    if (it == primaries_.end()) return;  // a standby, a model-only primary, or one whose plug failed
    it->second->set_leaving(leaving);
    update_filter(it->second->host_if());
}

// The filter follows the VF: plugged = one of our primaries holds it in the VM; bound = its port has carrier
// (a veth has carrier when both ends are up, so: the guest has brought the VF up); leaving = its unplug is
// under way.
void Vmm::update_filter(const std::string& host_if) {
    const auto it = filters_.find(host_if);
    if (it == filters_.end()) return;
    bool plugged = false, leaving = false;
    const PrimaryVeth* vf = nullptr;
    for (const auto& [id, primary] : primaries_)
        if (primary->host_if() == host_if && primary->plugged()) {
            plugged = true;
            leaving = primary->leaving();
            vf = primary.get();
        }
    const auto port = ns_->host_rtnl.find_link(it->second->port_ifindex());
    if (!port) {
        it->second->forget();
        return;
    }
    // A trusted VF: the guest may set the VF's MAC (failoverd gives it the standby's); the NIC's filter
    // follows the MAC the VF has now, as a PF does for a trusted VF.
    if (const auto link = vf ? ns_->guest_rtnl.find_link(vf->guest_ifindex()) : std::nullopt;
        link && link->mac != it->second->mac() && !link->mac.is_zero()) {
        spdlog::info("primary {}: the guest set the VF's MAC to {}; the MAC filter follows", vf->id(), link->mac.to_string());
        it->second = std::make_unique<VfMacFilter>(ns_->host_rtnl, options_.vf_filter, vf->port().ifindex,
                                                   vf->port().name, link->mac);
    }
    // The VF's MAC has just moved to its port: what the bridge sent the PV port before the move and still
    // waits in the PV path goes to the guest now, ahead of the VF's first frames (no reordering at the
    // switch; the forwarder thread may be milliseconds behind on a busy host).
    if (it->second->update(plugged, port->carrier, leaving))
        for (auto& [id, standby] : standbys_) standby->drain_to_guest();
}

void Vmm::set_paused(bool paused) {
    paused_ = paused;
    // Pause: the processes first, then the network (which forwards what the guest had queued before it
    // stops: nothing the guest sent before the pause stays behind in a host queue); resume in reverse.
    if (paused) {
        pause_.freeze();
        for (auto& [id, standby] : standbys_) standby->set_paused(true);
    } else {
        // A destination's primaries wait for the guest to run here (plug_primary); it sees them as it starts,
        // or with netpass once the source's frames are in (plug_deferred_primaries).
        plug_deferred_primaries();
        pause_.thaw();
        for (auto& [id, standby] : standbys_) standby->set_paused(false);
    }
}

// A destination's VFs go into the guest once it runs here and no standby holds its own frames for netpass:
// a VF in the guest would hand the frames the switch sends it straight to the guest, ahead of those the PV
// backend holds until the source's are injected (the reordering QEMU's reviewers raised, by another path).
// The hold is bounded (the source's frames, or their absence, arrive within x-incoming-stall-timeout), and
// the guest is served by its standby meanwhile.
void Vmm::plug_deferred_primaries() {
    if (paused_ || netpass_holds() || deferred_primaries_.empty()) return;
    for (auto& deferred : std::exchange(deferred_primaries_, {})) carry_out(device::Action{std::move(deferred)});
}

bool Vmm::netpass_holds() const {
    return std::any_of(standbys_.begin(), standbys_.end(), [](const auto& s) { return s.second->holding(); });
}

void Vmm::publish_quietly(device::Outcome outcome) {
    std::erase_if(outcome.events, [](const device::Event& e) { return e.name == "DEVICE_DELETED"; });
    service_.publish(outcome);
}

}  // namespace nf::vmm
