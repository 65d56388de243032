// Daemon: the kernel's uevents, for the earliest sign that the primary is leaving (failoverd/primary_leave.h).
// A device under the primary's PCI function being removed means its driver's remove() has begun and the
// primary drops what it is given from now on; rtnetlink shows nothing until the netdev unregisters at
// the end of it. TX moves to the standby at once, by the same path as a carrier loss (the core's
// begin_primary_removal, then apply_program: switch timing, announcement, failovers), and the primary
// stays out of the active role until it is gone, or for kPrimaryLeaveBound when it does not go.
#include <spdlog/spdlog.h>

#include <utility>

#include "failoverd/daemon.h"
#include "failoverd/pci_sysfs.h"

namespace nf::failoverd {

// Not fatal when it cannot open: the primary's link events remain, only later.
void Daemon::watch_uevents() {
    try {
        uevents_ = std::make_unique<os::UeventMonitor>();
        loop_.add(uevents_->fd(), EPOLLIN, [this](std::uint32_t) { on_uevents(); }, "uevents");
    } catch (const std::exception& e) {
        uevents_.reset();
        spdlog::warn("{}: no kernel uevents ({}); a primary's removal is seen when its netdev goes", config_.master,
                     e.what());
        return;
    }
    (void)primary_device();  // warm: the parent's DEVPATH is read while the device surely exists
}

// The primary's parent as uevents name it, read from sysfs once per primary (and parent). nullopt when the
// primary has no PCI parent (a veth in the lab) or sysfs no longer shows it.
std::optional<daemon::PrimaryDevice> Daemon::primary_device() {
    const failover::Netdev* primary = master_ ? master_->slave(failover::Role::primary) : nullptr;
    if (!primary || !primary->parent_is_pci || primary->parent.empty()) return std::nullopt;
    if (!primary_devpath_ || primary_devpath_->key != primary->key() || primary_devpath_->parent != primary->parent) {
        const auto devpath = daemon::PciSysfs().devpath(primary->parent);
        if (!devpath) return std::nullopt;  // not cached: a later read may find it
        primary_devpath_ = PrimaryDevpath{primary->key(), primary->parent, *devpath};
        spdlog::debug("{}: primary {} is {} in sysfs", config_.master, primary->name, *devpath);
    }
    return daemon::PrimaryDevice{primary_devpath_->devpath};
}

void Daemon::on_uevents() {
    const auto received = Clock::now();
    const os::UeventCounters before = uevents_->counters();
    const std::vector<os::UeventMessage> messages = uevents_->drain();
    if (const auto& now = uevents_->counters(); now.overruns != before.overruns || now.errors != before.errors)
        // Once per burst of lost messages: the primary's removal may be among them, and then its netdev's
        // rtnetlink events (later) decide, as without uevents.
        spdlog::warn("{}: kernel uevents lost ({} overruns, {} receive errors so far); a primary's removal may "
                     "be seen only when its netdev goes", config_.master, now.overruns, now.errors);
    for (const os::UeventMessage& m : messages) {
        if (m.action != "remove" || !master_) continue;  // only a removal reads sysfs
        const failover::Netdev* primary = master_->slave(failover::Role::primary);
        if (!primary) continue;
        if (!leave_watch_.on_uevent(primary_device(), primary->key(), master_->primary_leaving(), m.action, m.devpath,
                                    received))
            continue;
        // The bound first: should anything below throw (the loop contains it), the primary is still kept out
        // for no longer than the bound.
        loop_.cancel(std::exchange(leave_bound_timer_, 0));
        leave_bound_timer_ = loop_.at(*leave_watch_.deadline(), [this] { on_leave_bound(); }, "primary leave bound");
        const std::string name = primary->name;
        master_->begin_primary_removal();
        apply_program(received);
        // After the switch: the line's time is when TX had moved (the real-VM tier orders it in the kernel log).
        spdlog::info("{}: primary {} is leaving ({} removed): TX to the standby", config_.master, name, m.devpath);
    }
}

// The primary announced as leaving is still there: it may take the active role again. (Were a device-channel
// eject of the same primary to arrive after the uevent, this would end the removal the eject then shares;
// in practice the eject comes first, and then the uevent finds the removal under way and does nothing.)
void Daemon::on_leave_bound() {
    leave_bound_timer_ = 0;
    const failover::Netdev* primary = master_ ? master_->slave(failover::Role::primary) : nullptr;
    const auto now = primary ? std::optional(primary->key()) : std::nullopt;
    if (!leave_watch_.expire(now, master_ && master_->primary_leaving())) return;  // it went
    spdlog::warn("{}: primary {} was announced as leaving {} s ago but is still here; it may be active again",
                 config_.master, primary->name, daemon::kPrimaryLeaveBound.count());
    master_->cancel_primary_removal();
    apply_program(Clock::now());
}

}  // namespace nf::failoverd
