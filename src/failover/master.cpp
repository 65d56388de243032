// FailoverMaster: construction, the operations a user applies to the master (M1-M10), carrier (L2-L5)
// and the events published from them.
#include "failover/master.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <utility>

namespace nf::failover {

namespace {
std::string describe(Role role, const Netdev& dev) { return std::string(slot_name(role)) + " " + dev.name; }
}  // namespace

FailoverMaster::FailoverMaster(MasterSpec spec, SlaveOps& ops, EventSink& sink)
    : ops_(ops),
      sink_(sink),
      config_(std::move(spec.config)),
      name_(std::move(spec.name)),
      key_(spec.key),
      netns_(spec.standby.netns),
      target_{spec.standby.dev_addr, spec.standby.parent, spec.standby.name, std::move(spec.primary_pair_id)},
      dev_addr_(spec.standby.dev_addr),
      mtu_(config_.initial_mtu),
      min_mtu_(spec.standby.min_mtu),
      max_mtu_(spec.standby.max_mtu) {
    if (!config_.pairing) config_.pairing = kernel_compat_pairing();
}

const Netdev* FailoverMaster::slave(Role role) const {
    const Slave* s = slot(role);
    return s ? &s->dev : nullptr;
}

const Netdev* FailoverMaster::joining(Role role) const {
    return joining_ && joining_->role == role ? &joining_->dev : nullptr;
}

std::optional<Role> FailoverMaster::role_of(NetdevKey key) const {
    for (Role role : {Role::primary, Role::standby}) {
        const Slave* s = slot(role);
        if (s && s->flagged && s->dev.key() == key) return role;
    }
    return std::nullopt;
}

// Slave ops can re-enter us through nested netdev events, so slots are looked up again afterwards.
void FailoverMaster::note_running(Role role, NetdevKey key, bool on) {
    if (Slave* s = slot(role); s && s->dev.key() == key) s->dev.admin_up = s->dev.running = on;
}

// --- M9 / M10 ---

std::error_code FailoverMaster::open() {
    // The core marks the master running before its open hook, so slave UPs during open run L2.
    running_ = true;
    if (Slave* primary = slot(Role::primary)) {
        const NetdevKey key = primary->dev.key();
        if (auto ec = ops_.open(primary->dev)) {
            running_ = false;
            queues_stopped_ = true;
            publish_changes("master open failed: primary " + ec.message());
            return ec;
        }
        note_running(Role::primary, key, true);
    }
    if (Slave* standby = slot(Role::standby)) {
        const NetdevKey key = standby->dev.key();
        if (auto ec = ops_.open(standby->dev)) {
            if (Slave* primary = slot(Role::primary)) {
                const NetdevKey pkey = primary->dev.key();
                (void)ops_.close(primary->dev);
                note_running(Role::primary, pkey, false);
            }
            running_ = false;
            queues_stopped_ = true;
            publish_changes("master open failed: standby " + ec.message());
            return ec;
        }
        note_running(Role::standby, key, true);
    }
    if (config_.carrier == CarrierMode::kernel) {
        if (any_slave_ready()) set_carrier(true);  // M9 can only turn the carrier on
    } else {
        update_carrier();
    }
    publish_changes("master opened");
    return {};
}

void FailoverMaster::close() {
    queues_stopped_ = true;
    running_ = false;
    for (Role role : {Role::primary, Role::standby}) {
        if (Slave* s = slot(role)) {
            const NetdevKey key = s->dev.key();
            (void)ops_.close(s->dev);
            note_running(role, key, false);
        }
    }
    if (config_.carrier == CarrierMode::immediate) update_carrier();  // kernel: carrier left as it is (L4)
    publish_changes("master closed");
}

// --- M1, M3, M4, M5 ---

std::error_code FailoverMaster::set_mtu(unsigned mtu) {
    if (mtu < min_mtu_ || mtu > max_mtu_) return errno_code(EINVAL);
    Slave* primary = slot(Role::primary);
    if (primary) {
        if (auto ec = ops_.set_mtu(primary->dev, mtu)) return ec;
        primary->dev.mtu = mtu;
    }
    if (Slave* standby = slot(Role::standby)) {
        if (auto ec = ops_.set_mtu(standby->dev, mtu)) {
            if (primary) {
                if (auto undo = ops_.set_mtu(primary->dev, mtu_))
                    spdlog::warn("{}: cannot restore mtu {} on {}: {}", name_, mtu_, primary->dev.name, undo.message());
                else
                    primary->dev.mtu = mtu_;
            }
            return ec;
        }
        standby->dev.mtu = mtu;
    }
    mtu_ = mtu;
    return {};
}

std::error_code FailoverMaster::set_mac(const MacAddress&) const { return errno_code(EOPNOTSUPP); }

void FailoverMaster::set_addresses(const AddressLists& lists) {
    addresses_ = lists;
    for (Role role : {Role::primary, Role::standby}) {
        if (Slave* s = slot(role)) {
            if (auto ec = ops_.sync_addresses(s->dev, addresses_))
                spdlog::warn("{}: address sync to {} failed: {}", name_, s->dev.name, ec.message());
        }
    }
}

// M4: the kernel has no change-rx-flags hook, so promiscuity stays on the master (documented choice).
void FailoverMaster::set_promiscuous(bool on) { promiscuous_ = on; }

std::error_code FailoverMaster::add_vid(std::uint16_t vid) {
    Slave* primary = slot(Role::primary);
    if (primary) {
        if (auto ec = ops_.add_vid(primary->dev, vid)) return ec;
        primary->dev.vids.insert(vid);
    }
    if (Slave* standby = slot(Role::standby)) {
        if (auto ec = ops_.add_vid(standby->dev, vid)) {
            if (primary) {
                (void)ops_.kill_vid(primary->dev, vid);
                primary->dev.vids.erase(vid);
            }
            return ec;
        }
        standby->dev.vids.insert(vid);
    }
    vids_.insert(vid);
    return {};
}

void FailoverMaster::kill_vid(std::uint16_t vid) {
    for (Role role : {Role::primary, Role::standby}) {
        if (Slave* s = slot(role)) {
            (void)ops_.kill_vid(s->dev, vid);
            s->dev.vids.erase(vid);
        }
    }
    vids_.erase(vid);
}

void FailoverMaster::set_active(ActiveChoice choice) {
    forced_ = choice;
    publish_changes("active slave set to " + std::string(to_string(choice)));
}

void FailoverMaster::begin_primary_removal() {
    if (primary_leaving_ || !slot(Role::primary)) return;
    primary_leaving_ = true;
    publish_changes("primary " + slot(Role::primary)->dev.name + " being removed");
}

void FailoverMaster::cancel_primary_removal() {
    if (!primary_leaving_) return;
    primary_leaving_ = false;
    publish_changes("primary removal cancelled");
}

void FailoverMaster::detach() {
    queues_stopped_ = true;
    publish_changes("master destroyed");
}

// --- L2-L5, L7 ---

bool FailoverMaster::any_slave_ready() const {
    for (Role role : {Role::primary, Role::standby})
        if (const Slave* s = slot(role); s && xmit_ready(s->dev)) return true;
    return false;
}

void FailoverMaster::set_carrier(bool on) {
    carrier_ = on;
    queues_stopped_ = !on;
}

void FailoverMaster::update_carrier() { set_carrier(running_ && any_slave_ready()); }

void FailoverMaster::link_change(const Netdev& dev, NetdevEventKind kind) {
    const auto role = role_of(dev.key());
    if (!role) return;
    Slave& s = *slot(*role);
    s.dev = dev;  // what we know is refreshed even when the rules ignore the event
    const std::string reason = describe(*role, dev) + " " + std::string(to_string(kind)) +
                               (xmit_ready(dev) ? " (ready)" : " (not ready)");
    if (config_.carrier == CarrierMode::kernel) {
        if (!running_) return;  // L4
        if (any_slave_ready()) {
            set_carrier(true);
        } else {
            stats_checkpoint();
            set_carrier(false);
        }
    } else {
        if (!any_slave_ready()) stats_checkpoint();
        update_carrier();
    }
    emit_lower_state(*role);
    publish_changes(reason);
}

void FailoverMaster::name_change(const Netdev& dev) {
    const auto role = role_of(dev.key());
    if (!role) return;
    slot(*role)->dev.name = dev.name;
    if (!running_) return;
    // L7: retry the open that may have failed with EBUSY at registration; the result is ignored.
    const Netdev current = slot(*role)->dev;
    if (!ops_.open(current)) note_running(*role, current.key(), true);
    if (config_.carrier == CarrierMode::immediate) update_carrier();
    publish_changes(describe(*role, dev) + " renamed");
}

LowerState FailoverMaster::lower_state(Role role) const {
    const Slave* s = slot(role);
    if (!s) return {};
    LowerState state{s->dev.carrier, s->dev.running};
    if (role == Role::standby) {
        const Slave* primary = slot(Role::primary);
        state.tx_enabled = s->dev.running && !(primary && primary->dev.running);
    }
    return state;
}

void FailoverMaster::emit_lower_state(Role role) {
    auto emit_one = [this](Role r) {
        const Slave* s = slot(r);
        if (!s) return;
        FailoverEvent e{FailoverEventKind::lower_state_changed, name_, s->dev.name, r};
        e.lower = lower_state(r);
        e.reason = "lower state";
        publish(std::move(e));
    };
    if (config_.lower_state == LowerStateMode::both) {
        emit_one(Role::primary);
        emit_one(Role::standby);
    } else {
        emit_one(role);
    }
}

void FailoverMaster::recompute_features() {
    const Slave* primary = slot(Role::primary);
    const Slave* standby = slot(Role::standby);
    features_ = compute_master_features(primary ? &primary->dev.features : nullptr,
                                        standby ? &standby->dev.features : nullptr);
}

// --- events out ---

void FailoverMaster::publish(FailoverEvent event) { sink_.publish(event); }

void FailoverMaster::publish_changes(const std::string& reason) {
    // TX is decided here, once per change: the event, and through tx() the program, carry this value.
    const auto tx = effective_tx();
    if (tx != tx_) {
        tx_ = tx;
        FailoverEvent e{FailoverEventKind::active_changed, name_};
        e.active = tx;
        e.role = tx;
        if (tx) e.slave = slot(*tx)->dev.name;
        e.reason = reason;
        spdlog::info("{}: active slave now {} ({})", name_, tx ? e.slave : std::string("none"), reason);
        publish(std::move(e));
    }
    if (carrier_ != published_carrier_) {
        published_carrier_ = carrier_;
        FailoverEvent e{FailoverEventKind::carrier_changed, name_};
        e.carrier = carrier_;
        e.reason = reason;
        spdlog::info("{}: carrier {} ({})", name_, carrier_ ? "on" : "off", reason);
        publish(std::move(e));
    }
}

}  // namespace nf::failover
