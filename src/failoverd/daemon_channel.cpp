// Daemon: the lab VMM's device channel (--device-channel). The channel itself is GuestChannel; here is
// what an eject request does to our failover master: make-before-break removal of the primary.
#include <spdlog/spdlog.h>

#include "failoverd/daemon.h"

namespace nf::failoverd {

void Daemon::start_device_channel() {
    if (config_.device_channel.empty()) return;
    GuestChannel::Callbacks callbacks;
    callbacks.remove_primary = [this](const std::string& device) { eject_primary(device); };
    callbacks.cancel_removal = [this](const std::string& device) { cancel_eject(device); };
    // The host names a trusted VF by the MAC it plugged it with: the own MAC our id-paired primary had
    // before it took the standby's.
    callbacks.plugged_primary_is_ours = [this](const MacAddress& mac) {
        for (const auto& taken : taken_addresses())
            if (taken.own == mac) return true;
        return false;
    };
    channel_ = std::make_unique<GuestChannel>(loop_, config_.device_channel, config_.standby_ack, pairing_key_,
                                              std::move(callbacks));
}

// Each step is one synchronous netlink call or map update, so the whole removal is bounded; a step that
// fails is logged and the next one still runs, since the host unplugs the device after the ack anyway.
void Daemon::eject_primary(const std::string& device) {
    const failover::Netdev* primary = master_ ? master_->slave(failover::Role::primary) : nullptr;
    if (!primary) {
        spdlog::warn("{}: eject of {}: no primary is enslaved; nothing to remove", config_.master, device);
        return;
    }
    const failover::Netdev* standby = master_->slave(failover::Role::standby);
    if (!standby || !failover::xmit_ready(*standby))
        spdlog::warn("{}: eject of {}: the standby is not ready; traffic drops until a slave is back", config_.master,
                     device);
    const int ifindex = primary->ifindex;
    const std::string name = primary->name;
    // (a) TX to the standby, the standby's RX delivered (the primary's too, for frames in flight);
    // (b) the switch announces from the standby (apply_program -> announce_from).
    master_->begin_primary_removal();
    apply_program(Clock::now());
    // (c) the driver unbinds: the primary goes down, which the host sees as the VF no longer bound.
    try {
        slave_rtnl_->set_down(ifindex);
        spdlog::info("{}: primary {} closed for eject of {}", config_.master, name, device);
    } catch (const std::exception& e) {
        spdlog::warn("{}: eject of {}: cannot close {}: {}", config_.master, device, name, e.what());
    }
}

void Daemon::cancel_eject(const std::string& device) {
    if (!master_ || !master_->primary_leaving()) return;
    const failover::Netdev* primary = master_->slave(failover::Role::primary);
    master_->cancel_primary_removal();
    if (primary && master_->running()) {
        try {
            slave_rtnl_->set_up(primary->ifindex);
        } catch (const std::exception& e) {
            spdlog::warn("{}: eject of {} cancelled: cannot reopen {}: {}", config_.master, device, primary->name,
                         e.what());
        }
    }
    apply_program(Clock::now());
}

}  // namespace nf::failoverd
