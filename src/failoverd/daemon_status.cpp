// Daemon: what the control socket shows and changes.
#include "failoverd_control/command_line.h"
#include "failoverd_control/status_report.h"
#include "failoverd/daemon.h"

#include <unistd.h>

namespace nf::failoverd {

namespace {
daemon::SlaveStatus slave_status(const failover::Netdev* dev) {
    if (!dev) return {};
    return {dev->name, dev->ifindex, true, dev->admin_up, dev->carrier};
}

}  // namespace

// Every member is the control protocol's (daemon::StatusReport): its to_json is the one place the shape is
// written.
daemon::StatusReport Daemon::status() {
    daemon::StatusReport r;
    r.master = config_.master;
    r.model = std::string(daemon::to_string(config_.model));
    r.datapath = datapath_ ? std::string(datapath_->kind()) : "";
    r.rx_mode = std::string(daemon::to_string(config_.rx_mode));
    r.active = "none";
    if (master_) {
        if (const auto tx = master_->tx()) r.active = std::string(failover::slot_name(*tx));
        r.active_choice = std::string(failover::to_string(master_->active_choice()));
        r.primary = slave_status(master_->slave(failover::Role::primary));
        r.standby = slave_status(master_->slave(failover::Role::standby));
    }
    if (datapath_) {
        const auto c = datapath_->counters();
        for (const auto& slot : c.slot) {
            r.counters.tx_packets += slot.tx_packets;
            r.counters.rx_packets += slot.rx_packets;
        }
        r.counters.tx_dropped = c.tx_dropped;
    }
    r.counters.failovers = output_ ? output_->failovers() : 0;
    r.counters.primary_leaving = leave_watch_.announced();
    r.uevents.listening = uevents_ != nullptr;
    if (uevents_) {
        const auto& u = uevents_->counters();
        r.uevents.received = u.received;
        r.uevents.not_kernel = u.not_kernel;
        r.uevents.malformed = u.malformed;
        r.uevents.overruns = u.overruns;
        r.uevents.errors = u.errors;
    }
    r.uevents.leave_expired = leave_watch_.expired();
    r.switch_timing = timing_.report();
    r.carrier = master_ && master_->carrier();
    const auto* applied = output_ && output_->applied() ? &*output_->applied() : nullptr;
    r.rx_primary = applied && applied->rx_delivered(failover::Role::primary);
    r.rx_standby = applied && applied->rx_delivered(failover::Role::standby);
    r.rx_grace_ms = config_.rx_grace.count();
    r.rx_grace_holding = output_ && output_->rx_grace_holding();
    r.master_ifindex = device_ ? device_->master_ifindex() : 0;
    if (device_ && device_->private_netns()) r.private_netns = private_netns_name(guest_inode_, config_.master);
    r.adopted = adopted_;
    r.pairing.by = std::string(daemon::to_string(config_.pairing.by));
    if (config_.pairing.by == daemon::PairingKey::id) {
        r.pairing.primary_id = config_.pairing.primary_id;
        r.pairing.taken_addresses = to_json(taken_addresses());
    }
    r.standby_config_mode = std::string(daemon::to_string(config_.standby_config));
    r.taken_over = taken_over_;
    r.pid = ::getpid();
    r.version = daemon::failoverd_version();
    r.uptime_s = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_at_).count();
    r.config = config_;
    r.datapath_reason = choice_.reason;
    r.events_published = events_published_;
    r.event_loop.handler_errors = handler_errors_;
    r.event_loop.undecodable_link_messages = guest_monitor_ ? guest_monitor_->undecodable()
                                             : shared_links_ ? shared_links_->undecodable() : 0;
    if (private_monitor_) r.event_loop.undecodable_link_messages += private_monitor_->undecodable();
    r.event_loop.rounds = loop_.counters().rounds;
    r.event_loop.timers_fired = loop_.counters().timers_fired;
    r.event_loop.timers_pending = loop_.timers_pending();
    if (channel_) r.device_channel = channel_->status();
    if (control_) r.control = control_->report();
    if (announcer_) r.announce = announcer_->counters();
    r.announce_addresses.from_events = address_monitor_ != nullptr;
    r.announce_addresses.lookups = address_lookups_;
    r.announce_addresses.switch_lookups = switch_address_lookups_;
    if (known_addresses_) r.announce_addresses.known = known_addresses_->text;
    return r;
}

std::optional<std::string> Daemon::set_active(daemon::ActiveChoice choice) {
    if (!master_) return "no failover master";
    // Forcing a slave that is not there would silently do nothing until one came: say so instead.
    if (choice == daemon::ActiveChoice::primary && !master_->slave(failover::Role::primary))
        return config_.master + " has no primary (nothing paired with its standby); `set active auto` lets failoverd choose";
    if (choice == daemon::ActiveChoice::standby && !master_->slave(failover::Role::standby))
        return config_.master + " has no standby; `set active auto` lets failoverd choose";
    master_->set_active(choice);
    apply_program(Clock::now());
    return std::nullopt;
}

}  // namespace nf::failoverd
