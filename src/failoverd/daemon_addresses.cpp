// Daemon: the master's IP addresses, which every switch announces (ANNOUNCEMENTS in failoverd.8). They are
// kept, not looked up at the switch: the switch that matters most comes while a primary's driver is being
// removed, and a dump of addresses then waits on the rtnl lock that the removal holds (58-100 ms measured in
// a TCG guest as its e1000e left, against 1-8 ms at other times), holding the announcement and this loop with
// it. rtnetlink's address events say when the master's addresses change; they are looked up again then, at
// a quiet time. Without the event socket every switch looks them up, as before.
#include <spdlog/spdlog.h>

#include "failoverd/daemon.h"

namespace nf::failoverd {

// Not fatal when it cannot open: announcements then look the addresses up at each switch.
void Daemon::watch_addresses() {
    try {
        // Before the first lookup: a change between the two is seen, never missed.
        address_monitor_ = std::make_unique<os::AddressMonitor>(os::AddressMonitor::in(guest_));
        loop_.add(address_monitor_->fd(), EPOLLIN, [this](std::uint32_t) { on_address_events(); }, "addresses");
    } catch (const std::exception& e) {
        address_monitor_.reset();
        spdlog::warn("{}: no address events ({}); each switch looks up the addresses it announces", config_.master,
                     e.what());
        return;
    }
    try {
        look_up_master_addresses();
    } catch (const std::exception& e) {
        spdlog::warn("{}: looking up the master's addresses failed: {}; the next switch tries again", config_.master,
                     e.what());
    }
}

void Daemon::on_address_events() {
    const os::AddressChanges changes = address_monitor_->drain();
    if (!known_addresses_) return;  // nothing kept: the next switch looks them up anyway
    if (!changes.overrun && !changes.ifindexes.contains(known_addresses_->ifindex)) return;
    try {
        look_up_master_addresses();
    } catch (const std::exception& e) {
        known_addresses_.reset();
        spdlog::warn("{}: looking up the master's addresses after a change failed: {}; the next switch tries again",
                     config_.master, e.what());
    }
}

daemon::MasterAddresses Daemon::master_addresses() {
    if (!address_monitor_ || !known_addresses_ || known_addresses_->ifindex != device_->master_ifindex()) {
        ++switch_address_lookups_;
        look_up_master_addresses();
    }
    return known_addresses_->addresses;
}

void Daemon::look_up_master_addresses() {
    const int ifindex = device_->master_ifindex();
    KnownAddresses known{ifindex, {}, {}};
    ++address_lookups_;
    for (const os::IpPrefix& p : guest_rtnl_->addresses(ifindex)) {
        if (p.family == AF_INET) {
            auto ip = daemon::parse_ipv4(p.address);
            if (!ip) continue;
            known.addresses.ipv4.push_back(*ip);
        } else if (!os::ipv6_available()) {
            continue;  // no unsolicited NA without the family (ipv6.disable=1)
        } else {
            auto ip = daemon::parse_ipv6(p.address);
            if (!ip) continue;
            known.addresses.ipv6.push_back(*ip);
        }
        known.text.push_back(p.address);
    }
    known_addresses_ = std::move(known);
}

}  // namespace nf::failoverd
