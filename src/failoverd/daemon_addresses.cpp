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
    resync_addresses();
}

// Reads what address events are queued and forgets the kept addresses when the master's may have changed (an
// event names it, events were lost, or the socket failed: the error goes on to the caller).
void Daemon::drain_address_events() {
    os::AddressChanges changes;
    try {
        changes = address_monitor_->drain();
    } catch (...) {
        known_addresses_.reset();
        throw;
    }
    if (known_addresses_ && (changes.overrun || changes.ifindexes.contains(known_addresses_->ifindex)))
        known_addresses_.reset();
}

// The loop's handler: a change is looked up now, at a quiet time, not at the next switch.
void Daemon::on_address_events() {
    drain_address_events();  // a failure: the loop's resync (recover_from_handler_error) looks them up
    if (!known_addresses_) resync_addresses();
}

// At start, after a change, and on a resync (SIGHUP, the control request, a handler's failure), which also
// covers what the events may have missed.
void Daemon::resync_addresses() noexcept {
    if (!address_monitor_) return;  // nothing is kept: every switch looks them up
    try {
        look_up_master_addresses();
    } catch (const std::exception& e) {
        known_addresses_.reset();
        spdlog::warn("{}: looking up the master's addresses failed: {}; the next switch tries again", config_.master,
                     e.what());
    }
}

daemon::MasterAddresses Daemon::master_addresses() {
    // An event may be queued and not yet read (the loop can serve the link event behind this switch first):
    // reading the socket does not wait on the rtnl lock, a dump would.
    if (address_monitor_) {
        try {
            drain_address_events();
        } catch (const std::exception& e) {
            spdlog::warn("{}: reading address events failed: {}", config_.master, e.what());
        }
    }
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
