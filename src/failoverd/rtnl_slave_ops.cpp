#include "failoverd/rtnl_slave_ops.h"

#include <cerrno>
#include <functional>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "os/ipv6_family.h"
#include "os/sysctl.h"

namespace nf::failoverd {

using failover::errno_code;
using failover::Netdev;

namespace {

// Runs one OS step; a SystemError becomes its errno, anything else EIO (logged).
std::error_code attempt(const char* step, const Netdev& dev, const std::function<void()>& body) {
    try {
        body();
        return {};
    } catch (const SystemError& e) {
        spdlog::debug("{} {}: {}", step, dev.name, e.what());
        return errno_code(e.errno_value());
    } catch (const std::exception& e) {
        spdlog::warn("{} {}: {}", step, dev.name, e.what());
        return errno_code(EIO);
    }
}

// The device is already gone: the release steps of an unplugged slave have nothing left to undo.
std::error_code gone_is_done(std::error_code ec) { return ec == std::errc::no_such_device ? std::error_code{} : ec; }

std::string disable_ipv6_key(const std::string& name) { return "net/ipv6/conf/" + name + "/disable_ipv6"; }

// Runs `body` with the slave's disable_ipv6 key under its current name. Sysctls are by name, and the name
// the daemon saw may be stale: a host may rename a device just after it appears (or while we touch it).
// So the name is read by ifindex, and the access retried (bounded) when the name changed under it.
template <class Body>
void with_ipv6_key(os::Rtnl& rtnl, int ifindex, const Body& body) {
    for (int attempt = 0;; ++attempt) {
        const std::string name = rtnl.link(ifindex).name;  // ENODEV when gone
        try {
            body(disable_ipv6_key(name));
            return;
        } catch (const SystemError& e) {
            if (e.errno_value() != ENOENT || attempt >= 3) throw;
            const auto now = rtnl.find_link(ifindex);
            if (!now) throw SystemError(ENODEV, "link #" + std::to_string(ifindex) + " gone");
            if (now->name == name) throw;  // not a rename: a real failure
            spdlog::debug("link #{} renamed {} -> {} meanwhile; again", ifindex, name, now->name);
        }
    }
}

}  // namespace

std::error_code RtnlSlaveOps::open(const Netdev& dev) {
    about_to_change(dev);
    return attempt("open", dev, [&] { rtnl_.set_up(dev.ifindex); });
}

std::error_code RtnlSlaveOps::close(const Netdev& dev) {
    return gone_is_done(attempt("close", dev, [&] { rtnl_.set_down(dev.ifindex); }));
}

std::error_code RtnlSlaveOps::set_mtu(const Netdev& dev, unsigned mtu) {
    about_to_change(dev);
    return attempt("set mtu", dev, [&] { rtnl_.set_mtu(dev.ifindex, mtu); });
}

std::error_code RtnlSlaveOps::add_vid(const Netdev&, std::uint16_t) { return errno_code(EOPNOTSUPP); }
std::error_code RtnlSlaveOps::kill_vid(const Netdev&, std::uint16_t) { return {}; }
std::error_code RtnlSlaveOps::sync_addresses(const Netdev&, const failover::AddressLists&) { return {}; }
std::error_code RtnlSlaveOps::unsync_addresses(const Netdev&) { return {}; }

std::error_code RtnlSlaveOps::set_slave_flags(const Netdev& dev) {
    about_to_change(dev);
    return attempt("mark slave", dev, [&] {
        // Without the IPv6 family there is no link-local to keep off the slave: nothing to mark.
        os::ipv6_step("mark slave " + dev.name, [&] {
            SavedIpv6 saved{rtnl_.addrgenmode(dev.ifindex), {}};
            with_ipv6_key(rtnl_, dev.ifindex,
                          [&](const std::string& key) { saved.disable_ipv6 = os::read_sysctl(netns_, key); });
            if (saved.addrgenmode) rtnl_.set_addrgenmode_none(dev.ifindex);
            with_ipv6_key(rtnl_, dev.ifindex, [&](const std::string& key) { os::write_sysctl(netns_, key, "1"); });
            saved_ipv6_[dev.ifindex] = std::move(saved);
        });
    });
}

std::error_code RtnlSlaveOps::clear_slave_flags(const Netdev& dev) {
    const auto it = saved_ipv6_.find(dev.ifindex);
    if (it == saved_ipv6_.end()) return {};
    const SavedIpv6 saved = it->second;
    saved_ipv6_.erase(it);
    // addrgenmode first: re-enabling IPv6 on an up link makes its link-local address with the mode it has then.
    return gone_is_done(attempt("unmark slave", dev, [&] {
        if (!rtnl_.find_link(dev.ifindex)) throw SystemError(ENODEV, "link gone");
        os::ipv6_step("unmark slave " + dev.name, [&] {
            if (saved.addrgenmode) rtnl_.set_addrgenmode(dev.ifindex, *saved.addrgenmode);
            with_ipv6_key(rtnl_, dev.ifindex,
                          [&](const std::string& key) { os::write_sysctl(netns_, key, saved.disable_ipv6); });
        });
    }));
}

std::error_code RtnlSlaveOps::link_to_master(const Netdev& dev, const failover::MasterIdentity&) {
    if (holder_ifindex_ <= 0) return {};
    about_to_change(dev);
    return attempt("link to holder", dev, [&] {
        const os::LinkInfo info = rtnl_.link(dev.ifindex);
        if (info.master == holder_ifindex_) return;  // adopted: already ours
        if (info.master != 0) throw SystemError(EBUSY, "already has master #" + std::to_string(info.master));
        rtnl_.set_master(dev.ifindex, holder_ifindex_);
    });
}

std::error_code RtnlSlaveOps::unlink_from_master(const Netdev& dev, const failover::MasterIdentity&) {
    if (holder_ifindex_ <= 0) return {};
    return gone_is_done(attempt("unlink from holder", dev, [&] { rtnl_.clear_master(dev.ifindex); }));
}

std::error_code RtnlSlaveOps::install_rx_handler(const Netdev&, const failover::MasterIdentity&) { return {}; }
std::error_code RtnlSlaveOps::remove_rx_handler(const Netdev&) { return {}; }

failover::StatsReading RtnlSlaveOps::read_stats(const Netdev& dev) {
    failover::StatsReading reading;
    os::LinkStats l;
    if (auto ec = attempt("read stats", dev, [&] { l = rtnl_.stats(dev.ifindex); })) {
        reading.error = ec;
        return reading;
    }
    failover::Stats64& s = reading.stats;
    s.rx_packets = l.rx_packets;
    s.tx_packets = l.tx_packets;
    s.rx_bytes = l.rx_bytes;
    s.tx_bytes = l.tx_bytes;
    s.rx_errors = l.rx_errors;
    s.tx_errors = l.tx_errors;
    s.rx_dropped = l.rx_dropped;
    s.tx_dropped = l.tx_dropped;
    s.multicast = l.multicast;
    s.collisions = l.collisions;
    s.rx_nohandler = l.rx_nohandler;
    return reading;
}

std::error_code RtnlSlaveOps::take_address(const Netdev& dev, const MacAddress& mac) {
    return attempt("take the standby's MAC on", dev, [&] {
        const os::LinkInfo link = rtnl_.link(dev.ifindex);
        const auto known = taken_.find(dev.ifindex);
        if (link.mac == mac) {
            // Already so: the host gave it this MAC (nothing to restore), or we did before a crash (inherited).
            if (known != taken_.end()) spdlog::info("{} still has the MAC {} (own {})", link.name, mac.to_string(),
                                                    known->second.own.to_string());
            return;
        }
        about_to_change(dev);  // taking the MAC takes the link down a moment: its state before is recorded first
        set_mac_while_down(rtnl_, dev.ifindex, mac);
        taken_[dev.ifindex] = {dev.ifindex, link.name, link.mac, mac};
        spdlog::info("{} takes the standby's MAC {} (its own: {})", link.name, mac.to_string(), link.mac.to_string());
        taken_changed();
    });
}

std::error_code RtnlSlaveOps::restore_address(const Netdev& dev) {
    const auto it = taken_.find(dev.ifindex);
    if (it == taken_.end()) return {};
    const TakenAddress t = it->second;
    auto ec = gone_is_done(attempt("restore the own MAC of", dev, [&] {
        const auto link = rtnl_.find_link(dev.ifindex);
        if (!link) throw SystemError(ENODEV, t.name + " is gone");
        // Someone else gave it another MAC meanwhile: theirs stays.
        if (link->mac != t.taken) return;
        set_mac_while_down(rtnl_, dev.ifindex, t.own);
        spdlog::info("{}: its own MAC {} restored", link->name, t.own.to_string());
    }));
    taken_.erase(dev.ifindex);  // restored, gone, or not ours to restore any more: a failure is logged by the core
    taken_changed();
    return ec;
}

void RtnlSlaveOps::inherit_taken_addresses(const std::vector<TakenAddress>& taken) {
    for (const auto& t : taken) {
        const auto link = rtnl_.find_link(t.ifindex);
        if (link && link->mac == t.taken) {
            taken_[t.ifindex] = {t.ifindex, link->name, t.own, t.taken};
            spdlog::info("{} wears the MAC {} a previous failoverd gave it; its own {} comes back at release", link->name,
                         t.taken.to_string(), t.own.to_string());
        }
    }
    taken_changed();
}

std::vector<TakenAddress> RtnlSlaveOps::taken_addresses() const {
    std::vector<TakenAddress> out;
    for (const auto& [ifindex, t] : taken_) out.push_back(t);
    return out;
}

void RtnlSlaveOps::taken_changed() {
    if (on_taken_change_) on_taken_change_();
}

}  // namespace nf::failoverd
