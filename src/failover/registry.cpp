#include "failover/registry.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/error.h"

namespace nf::failover {

FailoverMaster& FailoverRegistry::create_master(MasterSpec spec, const std::vector<Netdev>& existing) {
    if (find(spec.name)) throw ConfigError("failover master " + spec.name + " already exists");
    if (spec.standby.dev_addr.is_zero() && !spec.primary_pair_id)
        throw ConfigError("failover master " + spec.name + ": standby " + spec.standby.name +
                          " has no MAC to pair by (and no pairing id given)");
    masters_.push_back(std::make_unique<FailoverMaster>(std::move(spec), ops_, sink_));
    FailoverMaster& master = *masters_.back();
    spdlog::info("failover master:{} registered", master.name());
    // P6: pre-existing slaves in the master's namespace.
    for (const Netdev& dev : existing) {
        if (dev.netns != master.netns() || is_master(dev)) continue;
        if (match(master.pairing_target(), dev) != MatchKind::none) register_candidate(dev);
    }
    return master;
}

void FailoverRegistry::destroy_master(std::string_view name) {
    const auto it = std::find_if(masters_.begin(), masters_.end(), [&](const auto& m) { return m->name() == name; });
    if (it == masters_.end()) return;
    FailoverMaster& master = **it;
    master.detach();
    for (Role role : {Role::primary, Role::standby}) {
        if (const Netdev* dev = master.slave(role)) (void)master.release(dev->key(), "master destroyed");
    }
    spdlog::info("failover master:{} unregistered", master.name());
    // Slave ops may have re-entered us; find the master again before erasing it.
    std::erase_if(masters_, [&](const auto& m) { return m.get() == &master; });
}

void FailoverRegistry::handle(const NetdevEvent& event) {
    const Netdev& dev = event.dev;
    switch (event.kind) {
        case NetdevEventKind::registered:
            if (!is_master(dev)) register_candidate(dev);
            return;
        case NetdevEventKind::unregistered:
            if (FailoverMaster* m = master_of(dev.key())) (void)m->release(dev.key(), "unregistered");
            return;
        case NetdevEventKind::up:
        case NetdevEventKind::down:
        case NetdevEventKind::change:
            if (FailoverMaster* m = master_of(dev.key())) m->link_change(dev, event.kind);
            return;
        case NetdevEventKind::change_name:
            if (FailoverMaster* m = master_of(dev.key())) m->name_change(dev);
            return;
        case NetdevEventKind::change_addr:
            if (FailoverMaster* m = master_of(dev.key())) {
                // A primary whose new address no longer pairs it (a VF given another MAC) is let go; the
                // standby defines the master and stays.
                if (m->role_of(dev.key()) == Role::primary && match(m->pairing_target(), dev) == MatchKind::none) {
                    (void)m->release(dev.key(), "its address no longer pairs it");
                    return;
                }
                m->link_change(dev, NetdevEventKind::change);
            } else if (!is_master(dev)) {
                register_candidate(dev);  // a VF created first and given the master's MAC a moment later
            }
            return;
    }
}

FailoverMaster* FailoverRegistry::find(std::string_view name) {
    for (auto& m : masters_)
        if (m->name() == name) return m.get();
    return nullptr;
}

FailoverMaster* FailoverRegistry::master_of(NetdevKey slave) {
    for (auto& m : masters_)
        if (m->role_of(slave)) return m.get();
    return nullptr;
}

bool FailoverRegistry::is_master(const Netdev& dev) const {
    if (dev.is_failover_master) return true;
    return std::any_of(masters_.begin(), masters_.end(), [&](const auto& m) {
        return m->identity().key.ifindex != 0 && m->identity().key == dev.key();
    });
}

void FailoverRegistry::register_candidate(const Netdev& dev) {
    if (master_of(dev.key())) return;  // already enslaved (a rescan, a repeated REGISTER)
    // P3/P7: the first master in creation order, in any namespace; no fall-through to later ones (P9).
    for (std::size_t i = 0; i < masters_.size(); ++i) {
        const MatchKind how = match(masters_[i]->pairing_target(), dev);
        if (how == MatchKind::none) continue;
        (void)masters_[i]->enslave(dev, how);
        return;
    }
}

}  // namespace nf::failover
