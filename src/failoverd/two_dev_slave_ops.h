#pragma once
// The 2-device model's slave operations: the standby is both the master and a slave, so what the core
// does to a slave to make it one (open/close with the master, MTU from the master, IPv6 off, "master
// <holder>", a taken MAC) must not touch it: it is the guest's own NIC, configured by the guest. Every
// operation on the primary, and the standby's harmless ones (stats, VLAN and address sync, the rx handler
// claim), go to the wrapped RtnlSlaveOps unchanged.
#include "failover/slave_ops.h"

namespace nf::failoverd {

class TwoDevSlaveOps final : public failover::SlaveOps {
public:
    TwoDevSlaveOps(failover::SlaveOps& inner, int standby_ifindex) : inner_(inner), standby_(standby_ifindex) {}

    std::error_code open(const failover::Netdev& dev) override;
    std::error_code close(const failover::Netdev& dev) override;
    std::error_code set_mtu(const failover::Netdev& dev, unsigned mtu) override;
    std::error_code add_vid(const failover::Netdev& dev, std::uint16_t vid) override { return inner_.add_vid(dev, vid); }
    std::error_code kill_vid(const failover::Netdev& dev, std::uint16_t vid) override { return inner_.kill_vid(dev, vid); }
    std::error_code sync_addresses(const failover::Netdev& dev, const failover::AddressLists& lists) override {
        return inner_.sync_addresses(dev, lists);
    }
    std::error_code unsync_addresses(const failover::Netdev& dev) override { return inner_.unsync_addresses(dev); }
    std::error_code set_slave_flags(const failover::Netdev& dev) override;
    std::error_code clear_slave_flags(const failover::Netdev& dev) override;
    std::error_code link_to_master(const failover::Netdev& dev, const failover::MasterIdentity& master) override;
    std::error_code unlink_from_master(const failover::Netdev& dev, const failover::MasterIdentity& master) override;
    std::error_code install_rx_handler(const failover::Netdev& dev, const failover::MasterIdentity& master) override {
        return inner_.install_rx_handler(dev, master);
    }
    std::error_code remove_rx_handler(const failover::Netdev& dev) override { return inner_.remove_rx_handler(dev); }
    failover::StatsReading read_stats(const failover::Netdev& dev) override { return inner_.read_stats(dev); }
    std::error_code take_address(const failover::Netdev& dev, const MacAddress& mac) override;
    std::error_code restore_address(const failover::Netdev& dev) override;

private:
    bool is_standby(const failover::Netdev& dev) const { return dev.ifindex == standby_; }

    failover::SlaveOps& inner_;
    int standby_;
};

}  // namespace nf::failoverd
