// Daemon: the event loop's handlers. Each link event is handed to the core and the resulting datapath
// program applied at once, so a switch follows the earliest kernel signal (IFF_UP / carrier cleared).
#include <spdlog/spdlog.h>

#include <utility>

#include "common/error.h"
#include "failoverd/daemon.h"
#include "failoverd_control/event_json.h"
#include "os/ipv6_family.h"

namespace nf::failoverd {

void Daemon::on_own_guest_links() { on_guest_links(guest_monitor_->drain()); }

void Daemon::on_guest_links(const std::vector<os::LinkEvent>& batch) {
    for (const os::LinkEvent& event : batch) {
        if (event.kind == os::LinkEvent::Kind::Overrun) {
            spdlog::warn("guest link events overran; resyncing");
            resync(*guest_table_, guest_dump(), !hidden());
            continue;
        }
        if (event.link.ifindex == device_->master_ifindex()) {
            // 2dev: the standby is the master and a slave: the core hears of it as both.
            const auto events = guest_table_->apply(event);  // else tracked, never reported to the core
            if (two_dev()) feed_core(events, event.received);
            on_master_change(event);
            continue;
        }
        const auto events = guest_table_->apply(event);
        if (hidden()) {
            // A new link, or one whose address now pairs it (a VF given the master's MAC after it appeared).
            for (const auto& e : events)
                if (e.kind == failover::NetdevEventKind::registered || e.kind == failover::NetdevEventKind::change_addr)
                    hide_if_slave(e.dev);
        } else {
            feed_core(events, event.received);
        }
    }
}

void Daemon::on_slave_links() {
    for (const os::LinkEvent& event : private_monitor_->drain()) {
        if (event.kind == os::LinkEvent::Kind::Overrun) {
            spdlog::warn("private link events overran; resyncing");
            resync(*private_table_, private_monitor_->resync(), true);
            continue;
        }
        const auto events = private_table_->apply(event);
        feed_core(events, event.received);
        // A primary whose address changed away was released: it is none of ours, back to the guest.
        for (const auto& e : events)
            if (e.kind == failover::NetdevEventKind::change_addr) return_if_unpaired(e.dev);
    }
}

// hidden: a link in the private namespace that no longer pairs with the master (and is not the peer or a
// slave) goes back where the guest can see it.
void Daemon::return_if_unpaired(const failover::Netdev& dev) {
    if (pairs(dev) || private_table_->ignored(dev.ifindex)) return;
    if (master_ && master_->role_of(dev.key())) return;
    try {
        slave_rtnl_->move_to_netns(dev.ifindex, guest_);
        spdlog::info("{} (ifindex {}) no longer pairs with {}: moved back to the guest namespace", dev.name,
                     dev.ifindex, config_.master);
    } catch (const std::exception& e) {
        spdlog::warn("cannot return {} to the guest: {}", dev.name, e.what());
    }
}

void Daemon::resync(LinkTable& table, const std::vector<os::LinkInfo>& links, bool feed) {
    const auto events = table.resync(links);
    if (feed) feed_core(events, Clock::now());
}

// Alone: the own monitor's dump. A supervisor's pair: the links that concern it (its MAC, its master).
std::vector<os::LinkInfo> Daemon::guest_dump() {
    if (!shared_links_) return guest_monitor_->resync();
    PairLinkKeys keys;
    keys.mac = pairing_key_;
    if (device_ && device_->master_ifindex() > 0) keys.ifindexes.push_back(device_->master_ifindex());
    keys.every_link = config_.pairing.by == daemon::PairingKey::id;
    return shared_links_->dump(keys);
}

void Daemon::resync_links() {
    resync(*guest_table_, guest_dump(), !hidden());
    if (private_table_) resync(*private_table_, private_monitor_->resync(), true);
    resync_addresses();
}

void Daemon::feed_core(const std::vector<failover::NetdevEvent>& events, Clock::time_point received) {
    for (const auto& e : events) {
        spdlog::debug("{} {} (ifindex {}, up {}, carrier {})", failover::to_string(e.kind), e.dev.name, e.dev.ifindex,
                      e.dev.admin_up, e.dev.carrier);
        registry_->handle(e);
        apply_program(received);
    }
    // A primary enslaved now has its DEVPATH read here, not on the hot path of its removal's first uevent.
    if (uevents_ && !events.empty()) (void)primary_device();
}

// The guest acts on the master: MTU (M1, propagated to the slaves or refused) and admin state (M9/M10).
void Daemon::on_master_change(const os::LinkEvent& event) {
    if (event.kind == os::LinkEvent::Kind::Del) {
        spdlog::error("{}: the master was deleted by someone else; stopping", config_.master);
        exit_status_ = 1;
        return;
    }
    const os::LinkInfo& link = event.link;
    if (link.mtu != master_->mtu()) {
        const unsigned old = master_->mtu();
        if (auto ec = master_->set_mtu(link.mtu)) {
            spdlog::warn("{}: mtu {} refused by a slave ({}); back to {}", config_.master, link.mtu, ec.message(), old);
            try {
                guest_rtnl_->set_mtu(link.ifindex, old);
            } catch (const std::exception& e) {
                spdlog::error("{}: cannot restore mtu {}: {}", config_.master, old, e.what());
            }
        } else {
            spdlog::info("{}: mtu {} -> {} (slaves follow)", config_.master, old, link.mtu);
            if (peer_rtnl_ && device_->peer_ifindex() > 0) {
                try {
                    peer_rtnl_->set_mtu(device_->peer_ifindex(), link.mtu);
                } catch (const std::exception& e) {
                    spdlog::warn("{}: peer mtu: {}", config_.master, e.what());
                }
            }
        }
    }
    if (link.admin_up && !master_->running()) {
        if (auto ec = master_->open()) spdlog::warn("{}: open failed: {}", config_.master, ec.message());
    } else if (!link.admin_up && master_->running()) {
        master_->close();
    }
    apply_program(event.received);
}

// hidden: a device with the master's key that appears in the guest is a slave; it goes out of sight.
// By the standby's MAC, or (--pair-by id) by the primary's id.
bool Daemon::pairs(const failover::Netdev& dev) const {
    if (dev.perm_addr == pairing_key_) return true;
    return config_.pairing.by == daemon::PairingKey::id && dev.pair_id == config_.pairing.primary_id;
}

void Daemon::hide_if_slave(const failover::Netdev& dev) {
    if (dev.type != failover::NetdevType::ethernet || !pairs(dev)) return;
    if (guest_table_->ignored(dev.ifindex)) return;
    // A namespace move drops its addresses: recorded first, for stop to put back.
    remember_link(guest_, dev.ifindex, dev.name);
    try {
        device_->hide_slave(*guest_rtnl_, dev.ifindex);
        spdlog::info("{} (ifindex {}) moved into the private namespace", dev.name, dev.ifindex);
    } catch (const std::exception& e) {
        spdlog::warn("cannot hide {}: {}", dev.name, e.what());
    }
}

void Daemon::apply_program(Clock::time_point received) {
    if (!output_) return;
    failover::OutputStep step;
    try {
        step = output_->update(Clock::now());
    } catch (const std::exception& e) {
        // The next event (or the grace's wake-up) retries: the output records only a program applied whole.
        spdlog::error("{}: datapath update failed: {}", config_.master, e.what());
        arm_rx_grace_timer(output_->wake_at());
        return;
    }
    arm_rx_grace_timer(step.wake_at);
    if (!step.tx_switch) return;
    if (!step.tx_switch->first) timing_.record(Clock::now() - received);
    if (!step.tx_switch->new_port) return;
    if (!shared_links_) {
        announce_from(*step.tx_switch->to);
        return;
    }
    // One of many pairs: the announcement (a netlink dump of the master's addresses, a socket, the frames)
    // waits for this loop's next round, after the supervisor has handed the rest of the batch to the
    // other pairs, so that when every primary goes at once no pair's switch waits for another's GARP.
    const failover::Role to = *step.tx_switch->to;
    loop_.post([this, to] { announce_from(to); }, "announce");
}

// One timer at the time the core asked for, re-armed only when that time changes.
void Daemon::arm_rx_grace_timer(std::optional<Clock::time_point> wake_at) {
    if (!serving_) wake_at.reset();
    if (wake_at == rx_grace_wake_) return;  // rx_grace_timer_ is armed exactly while rx_grace_wake_ is set
    loop_.cancel(std::exchange(rx_grace_timer_, 0));
    rx_grace_wake_ = wake_at;
    if (wake_at) rx_grace_timer_ = loop_.at(*wake_at, [this] { on_rx_grace_timer(); }, "rx grace");
}

void Daemon::on_rx_grace_timer() {
    rx_grace_timer_ = 0;
    rx_grace_wake_.reset();
    // The tick goes back to the core, which applies the program as it is by now: a change during the
    // grace (the primary gone again) has already won.
    apply_program(Clock::now());
}

void Daemon::announce_from(failover::Role to) {
    if (!announcer_ || config_.announce.count == 0) return;
    const failover::Netdev* slave = master_ ? master_->slave(to) : nullptr;
    if (!slave) return;
    try {
        announce_sender_->bind_to(slave->ifindex);
        daemon::MasterAddresses addresses = master_addresses();
        addresses.mac = master_->dev_addr();
        announcer_->start(addresses, Clock::now());
        arm_announce_timer();
    } catch (const std::exception& e) {
        spdlog::warn("{}: announce on {} failed: {}", config_.master, slave->name, e.what());
    }
}

void Daemon::arm_announce_timer() {
    loop_.cancel(std::exchange(announce_timer_, 0));
    if (!serving_) return;
    if (const auto due = announcer_->next_due())
        announce_timer_ = loop_.at(*due, [this] { on_announce_timer(); }, "announce");
}

void Daemon::on_announce_timer() {
    announce_timer_ = 0;
    announcer_->on_timer(Clock::now());
    arm_announce_timer();
}

bool Daemon::on_signal() {
    const auto received = signals_->read();
    if (received.stop) {
        spdlog::info("signal {}: stopping", received.stop);
        return true;
    }
    if (received.resync) {
        spdlog::info("SIGHUP: resyncing links");
        resync_links();
    }
    return false;
}

// The host may steer the VM's MAC to a re-plugged VF as soon as it has carrier (its NIC's filter); the
// frames that arrive then must reach the master, not the bare slave, although TX stays where it is until
// the registration is done (net_failover's rx_handler is registered before dev_open, for the same reason).
void Daemon::before_slave_open(const std::string& master, failover::Role role, const failover::Netdev& dev) {
    spdlog::debug("{}: {} {} joins: its RX reaches the master before it opens", master, failover::slot_name(role),
                  dev.name);
    apply_program(Clock::now());
}

void Daemon::publish(const failover::FailoverEvent& event) {
    // Events only on change: the core reports a slave's lower state on every link message about it (an
    // unplug brings several, most about the unchanged standby); a repeat of the last state is dropped.
    if (event.kind == failover::FailoverEventKind::lower_state_changed) {
        const std::pair<bool, bool> state{event.lower.link_up, event.lower.tx_enabled};
        auto [it, fresh] = last_lower_state_.try_emplace(event.slave, state);
        if (!fresh && it->second == state) return;
        it->second = state;
    } else if (event.kind == failover::FailoverEventKind::slave_left) {
        last_lower_state_.erase(event.slave);
    }
    ++events_published_;
    if (control_) control_->publish_event(daemon::event_json(event, std::chrono::system_clock::now(), Clock::now()));
}

}  // namespace nf::failoverd
