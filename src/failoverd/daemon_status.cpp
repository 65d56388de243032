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

nlohmann::json Daemon::status() {
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
    nlohmann::json j = daemon::to_json(r);
    j["switch"] = timing_.to_json();
    j["carrier"] = master_ && master_->carrier();
    // What the datapath does now (a standby held by the rx grace shows as delivered).
    const auto* applied = output_ && output_->applied() ? &*output_->applied() : nullptr;
    j["rx"] = {{"primary", applied && applied->rx_delivered(failover::Role::primary)},
               {"standby", applied && applied->rx_delivered(failover::Role::standby)}};
    j["rx_grace"] = {{"ms", config_.rx_grace.count()}, {"holding", output_ && output_->rx_grace_holding()}};
    j["master_ifindex"] = device_ ? device_->master_ifindex() : 0;
    if (device_ && device_->private_netns()) j["private_netns"] = private_netns_name(guest_inode_, config_.master);
    j["adopted"] = adopted_;
    // Paired by id: the id, and the primaries wearing the standby's MAC with their own (restored at release).
    j["pairing"] = {{"by", daemon::to_string(config_.pairing.by)}};
    if (config_.pairing.by == daemon::PairingKey::id) {
        j["pairing"]["primary_id"] = config_.pairing.primary_id;
        j["pairing"]["taken_addresses"] = to_json(taken_addresses());
    }
    j["standby_config"] = {{"mode", daemon::to_string(config_.standby_config)}, {"taken_over", taken_over_}};
    j["pid"] = ::getpid();
    // teamdctl-style state: what it runs with, which build, for how long.
    j["version"] = daemon::failoverd_version();
    j["uptime_s"] = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started_at_).count();
    j["config"] = daemon::to_json(config_);
    j["datapath_reason"] = choice_.reason;
    j["events_published"] = events_published_;
    std::uint64_t undecodable = guest_monitor_ ? guest_monitor_->undecodable()
                                : shared_links_ ? shared_links_->undecodable() : 0;
    if (private_monitor_) undecodable += private_monitor_->undecodable();
    const auto& loop = loop_.counters();
    j["event_loop"] = {{"handler_errors", handler_errors_}, {"undecodable_link_messages", undecodable},
                       {"rounds", loop.rounds}, {"timers_fired", loop.timers_fired}, {"timers_pending", loop_.timers_pending()}};
    if (channel_) j["device_channel"] = channel_->status();
    // What hostile or broken control clients cost: refused, dropped, malformed (issue 9).
    if (control_) j["control"] = control_->counters_json();
    if (announcer_) {
        const auto& a = announcer_->counters();
        j["announce"] = {{"rounds", a.rounds}, {"frames_sent", a.frames_sent}, {"send_errors", a.send_errors}};
    }
    return j;
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
