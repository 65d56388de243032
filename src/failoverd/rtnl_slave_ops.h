#pragma once
// failover::SlaveOps on real netdevs, in the namespace the slaves live in (the guest's for 3dev, the
// daemon's private one for hidden).
//   open/close      admin up/down
//   set_mtu         IFLA_MTU
//   VLAN ids        EOPNOTSUPP: the datapaths pass tagged frames as they are, so the master filters nothing
//   uc/mc sync      success, nothing to do: the datapaths put the slaves in promiscuous mode
//   slave flags     IPv6 addrgenmode none + disable_ipv6 (no autoconf, no link-local on a slave); both
//                   restored at release, so a released slave gets its link-local address back; both
//                   skipped when the kernel has no IPv6 family (os::ipv6_step, ipv6.disable=1)
//   link to master  3dev: the slave becomes a port of the down "holder" bridge, so `ip link` shows
//                   "master <holder>" and NetworkManager / cloud-init / udev skip it. A bridge port's rx
//                   handler runs after tc ingress and AF_PACKET taps, so both datapaths still see every
//                   frame, and the kernel refuses a second upper (bond, other bridge) with EBUSY, as for
//                   net_failover. hidden: nothing (only the daemon sees the slaves).
//   rx handler      success: the datapath claims RX when the program attaches the slave
//   stats           IFLA_STATS64
//   take/restore    a primary paired by id takes the standby's MAC (down, set, up as before) and gets its
//   address         own back at release; each taken MAC is recorded (taken_addresses(), on_taken_change)
//                   for the state file, so a daemon restarted after a crash can restore it
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "failover/slave_ops.h"
#include "failoverd/taken_address.h"
#include "os/netns.h"
#include "os/rtnl.h"

namespace nf::failoverd {

class RtnlSlaveOps final : public failover::SlaveOps {
public:
    // holder_ifindex: the holder bridge in `netns` (3dev), 0 for none.
    RtnlSlaveOps(os::Rtnl& rtnl, const os::Netns& netns, int holder_ifindex)
        : rtnl_(rtnl), netns_(netns), holder_ifindex_(holder_ifindex) {}

    std::error_code open(const failover::Netdev& dev) override;
    std::error_code close(const failover::Netdev& dev) override;
    std::error_code set_mtu(const failover::Netdev& dev, unsigned mtu) override;
    std::error_code add_vid(const failover::Netdev& dev, std::uint16_t vid) override;
    std::error_code kill_vid(const failover::Netdev& dev, std::uint16_t vid) override;
    std::error_code sync_addresses(const failover::Netdev& dev, const failover::AddressLists& lists) override;
    std::error_code unsync_addresses(const failover::Netdev& dev) override;
    std::error_code set_slave_flags(const failover::Netdev& dev) override;
    std::error_code clear_slave_flags(const failover::Netdev& dev) override;
    std::error_code link_to_master(const failover::Netdev& dev, const failover::MasterIdentity& master) override;
    std::error_code unlink_from_master(const failover::Netdev& dev, const failover::MasterIdentity& master) override;
    std::error_code install_rx_handler(const failover::Netdev& dev, const failover::MasterIdentity& master) override;
    std::error_code remove_rx_handler(const failover::Netdev& dev) override;
    failover::StatsReading read_stats(const failover::Netdev& dev) override;
    std::error_code take_address(const failover::Netdev& dev, const MacAddress& mac) override;
    std::error_code restore_address(const failover::Netdev& dev) override;

    // Adopting after a crash: the MACs the previous daemon gave, for devices still wearing them (the
    // others are dropped), so their own come back at release.
    void inherit_taken_addresses(const std::vector<TakenAddress>& taken);
    std::vector<TakenAddress> taken_addresses() const;
    // Called after every change of the taken addresses (the daemon rewrites its state file).
    void on_taken_change(std::function<void()> callback) { on_taken_change_ = std::move(callback); }

    // Called before every change to a slave (open, MTU, slave flags, link to master), so the daemon can
    // record the link's state before its first change (exact restore at stop).
    void before_change(std::function<void(const failover::Netdev&)> hook) { before_change_ = std::move(hook); }

private:
    void taken_changed();

    os::Rtnl& rtnl_;
    const os::Netns& netns_;
    int holder_ifindex_;
    struct SavedIpv6 {
        std::optional<os::AddrGenMode> addrgenmode;  // nullopt: the link has no IPv6
        std::string disable_ipv6;
    };
    std::map<int, SavedIpv6> saved_ipv6_;  // by ifindex, restored at clear_slave_flags
    std::map<int, TakenAddress> taken_;     // by ifindex, restored at restore_address
    std::function<void()> on_taken_change_;
    std::function<void(const failover::Netdev&)> before_change_;
    void about_to_change(const failover::Netdev& dev) {
        if (before_change_) before_change_(dev);
    }
};

}  // namespace nf::failoverd
