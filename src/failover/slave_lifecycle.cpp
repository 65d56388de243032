// FailoverMaster: enslaving and releasing a slave (R1-R5). Every step that changes the device pushes
// its undo; a failed registration leaves no half-enslaved device behind.
#include <spdlog/spdlog.h>

#include <cerrno>

#include "failover/master.h"
#include "common/rollback.h"

namespace nf::failover {

namespace {
void log_undo_failure(const std::string& master, const char* step, const Netdev& dev, std::error_code ec) {
    if (ec) spdlog::warn("{}: rollback of {} on {} failed: {}", master, step, dev.name, ec.message());
}
}  // namespace

std::error_code FailoverMaster::enslave(const Netdev& candidate, MatchKind how) {
    // P5: pre_register. A rejected candidate is not remembered (P8).
    const auto role = classify(*config_.pairing, target_, candidate, how);
    if (!role) {
        spdlog::debug("{}: {} matches but may not be a slave ({} pairing)", name_, candidate.name,
                      config_.pairing->name());
        return errno_code(EINVAL);
    }
    if (slot(*role)) {
        spdlog::error("{} attempting to register as slave dev when {} already present", candidate.name,
                      slot_name(*role));
        FailoverEvent e{FailoverEventKind::slave_rejected, name_, candidate.name, *role};
        e.reason = std::string(slot_name(*role)) + " already present";
        publish(std::move(e));
        return errno_code(EINVAL);
    }

    Netdev dev = candidate;
    const MasterIdentity me = identity();
    Rollback undo;
    // R1.3
    if (auto ec = ops_.install_rx_handler(dev, me)) {
        spdlog::error("{}: cannot claim rx of {}: {}", name_, dev.name, ec.message());
        return ec;
    }
    undo.push([&] { log_undo_failure(name_, "rx handler", dev, ops_.remove_rx_handler(dev)); });
    // R1.4
    if (auto ec = ops_.link_to_master(dev, me)) {
        spdlog::error("{}: cannot link {} under the master: {}", name_, dev.name, ec.message());
        return ec;
    }
    undo.push([&] { log_undo_failure(name_, "upper link", dev, ops_.unlink_from_master(dev, me)); });
    // R1.5 (O4): before the register hook, so an open inside it already sees no-addrconf.
    if (auto ec = ops_.set_slave_flags(dev)) {
        spdlog::error("{}: cannot mark {} as a failover slave: {}", name_, dev.name, ec.message());
        return ec;
    }
    undo.push([&] { log_undo_failure(name_, "slave flags", dev, ops_.clear_slave_flags(dev)); });
    // Paired by id (netvsc N4, a trusted VF): the primary takes the master's MAC before it opens, so it
    // never carries a frame under its own. A device that refuses is not used: no half-configured primary.
    const bool take_address = how == MatchKind::pair_id && *role == Role::primary;
    if (take_address) {
        if (auto ec = ops_.take_address(dev, target_.perm_addr)) {
            spdlog::error("{}: {} (pair id {}) refused the standby's MAC {}: {}; not used as the primary", name_,
                          dev.name, dev.pair_id.value_or(""), target_.perm_addr.to_string(), ec.message());
            FailoverEvent e{FailoverEventKind::slave_rejected, name_, dev.name, *role};
            e.reason = "refused the MAC " + target_.perm_addr.to_string() + ": " + ec.message();
            publish(std::move(e));
            return ec;
        }
        dev.dev_addr = target_.perm_addr;
        undo.push([&] { log_undo_failure(name_, "MAC", dev, ops_.restore_address(dev)); });
    }
    // R1.6
    if (auto ec = register_slave(dev, *role)) return ec;
    undo.commit();
    if (take_address) slot(*role)->address_taken = true;
    publish_changes(describe_join(*role, dev));
    return {};
}

std::string FailoverMaster::describe_join(Role role, const Netdev& dev) {
    return std::string(slot_name(role)) + " " + dev.name + " joined";
}

std::error_code FailoverMaster::register_slave(Netdev& dev, Role role) {
    Rollback undo;
    // a) the slave takes the master's MTU
    const unsigned saved_mtu = dev.mtu;
    if (dev.mtu != mtu_) {
        if (auto ec = ops_.set_mtu(dev, mtu_)) {
            spdlog::error("{}: unable to change mtu of {} to {}: register failed", name_, dev.name, mtu_);
            return ec;
        }
        dev.mtu = mtu_;
        undo.push([&, saved_mtu] {
            log_undo_failure(name_, "mtu", dev, ops_.set_mtu(dev, saved_mtu));
            dev.mtu = saved_mtu;
        });
    }
    // b) the kernel takes a reference here; the slot holds the description by value instead.
    // c) open when the master is running. EBUSY is tolerated: enslaved but closed, reopened by L7.
    // Its receive path reaches the master first (joining()): a host that steers the VM's MAC to this
    // device as soon as it has carrier loses nothing in the time registration takes.
    if (running_) {
        joining_ = Joining{role, dev};
        undo.push([&] { joining_.reset(); });
        sink_.before_slave_open(name_, role, dev);
        if (auto ec = ops_.open(dev)) {
            if (ec != std::errc::device_or_resource_busy) {
                spdlog::error("{}: opening slave {} failed: {}", name_, dev.name, ec.message());
                return ec;
            }
            spdlog::warn("{}: slave {} busy, enslaved closed", name_, dev.name);
        } else {
            dev.admin_up = dev.running = true;
        }
    }
    // The kernel closes the slave on a later failure even if it was up before enslavement [quirk, R2e].
    undo.push([&] {
        log_undo_failure(name_, "open", dev, ops_.close(dev));
        dev.admin_up = dev.running = false;
    });
    // d) the master's address lists; a failed sync is logged, as the kernel ignores it.
    if (auto ec = ops_.sync_addresses(dev, addresses_))
        spdlog::warn("{}: address sync to {} failed: {}", name_, dev.name, ec.message());
    undo.push([&] { log_undo_failure(name_, "address sync", dev, ops_.unsync_addresses(dev)); });
    // e) every VLAN id of the master
    for (std::uint16_t vid : vids_) {
        if (auto ec = ops_.add_vid(dev, vid)) {
            spdlog::error("{}: failed to add vlan ids to {} ({}): register failed", name_, dev.name, ec.message());
            return ec;
        }
        dev.vids.insert(vid);
        undo.push([&, vid] {
            log_undo_failure(name_, "vlan id", dev, ops_.kill_vid(dev, vid));
            dev.vids.erase(vid);
        });
    }
    // f) publish the role, with the stats baseline (S3); a primary sets the master's MTU range.
    Slave joined{dev, {}, true};
    const StatsReading baseline = ops_.read_stats(dev);
    if (baseline.error)
        spdlog::warn("{}: cannot read stats of {}: {}", name_, dev.name, baseline.error.message());
    else
        joined.snapshot = baseline.stats;
    slots_[slot_index(role)] = std::move(joined);
    joining_.reset();
    undo.commit();
    if (role == Role::primary) {
        min_mtu_ = dev.min_mtu;
        max_mtu_ = dev.max_mtu;
    }
    emit_lower_state(role);  // g)
    recompute_features();    // h)
    // i) NETDEV_JOIN
    spdlog::info("failover {} slave:{} registered", slot_name(role), dev.name);
    FailoverEvent e{FailoverEventKind::slave_joined, name_, dev.name, role};
    e.reason = "registered";
    publish(std::move(e));
    // The kernel leaves the carrier to the next link event (L3); recomputing now is the improvement.
    if (config_.carrier == CarrierMode::immediate) update_carrier();
    return {};
}

std::error_code FailoverMaster::release(NetdevKey key, std::string_view reason) {
    // R3: only a current, flagged slave.
    const auto role = role_of(key);
    if (!role) return errno_code(ENODEV);
    Netdev dev = slot(*role)->dev;
    const MasterIdentity me = identity();
    // R4. A hot-unplugged device may already be gone: cleanup failures are only logged.
    log_undo_failure(name_, "rx handler", dev, ops_.remove_rx_handler(dev));
    log_undo_failure(name_, "upper link", dev, ops_.unlink_from_master(dev, me));
    slot(*role)->flagged = false;  // from here on, nested events for the device are ignored
    log_undo_failure(name_, "slave flags", dev, ops_.clear_slave_flags(dev));
    // R5.2
    for (std::uint16_t vid : vids_) log_undo_failure(name_, "vlan id", dev, ops_.kill_vid(dev, vid));
    log_undo_failure(name_, "address sync", dev, ops_.unsync_addresses(dev));
    log_undo_failure(name_, "open", dev, ops_.close(dev));
    // Its own MAC back, once closed (set while down); a device already gone has nothing to restore.
    if (slot(*role)->address_taken) log_undo_failure(name_, "MAC", dev, ops_.restore_address(dev));
    // R5.3: the leaving slave's last counters (S4), or the kernel's reset (S5).
    stats_checkpoint();
    // R5.4
    slots_[slot_index(*role)].reset();
    if (*role == Role::primary) primary_leaving_ = false;  // a primary plugged later is taken as usual
    if (const Slave* standby = slot(Role::standby); *role == Role::primary && standby) {
        min_mtu_ = standby->dev.min_mtu;
        max_mtu_ = standby->dev.max_mtu;
    }
    // R5.5
    recompute_features();
    spdlog::info("failover {} slave:{} unregistered", slot_name(*role), dev.name);
    FailoverEvent e{FailoverEventKind::slave_left, name_, dev.name, *role};
    e.reason = std::string(reason);
    publish(std::move(e));
    if (config_.carrier == CarrierMode::immediate) update_carrier();
    publish_changes(std::string(slot_name(*role)) + " " + dev.name + " left: " + std::string(reason));
    return {};
}

}  // namespace nf::failover
