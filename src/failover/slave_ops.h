#pragma once
// What the core asks of a slave netdev. The daemon implements it over rtnetlink, the simulator over fake
// devices. Each call names the device by its last known description and reports failure as an errno
// (std::generic_category): the core decides what to roll back.
#include <string>
#include <system_error>

#include "failover/netdev.h"

namespace nf::failover {

// The master a slave is linked to / whose rx handler it carries.
struct MasterIdentity {
    std::string name;
    NetdevKey key;
};

struct StatsReading {
    std::error_code error;  // set when the counters could not be read (device gone)
    Stats64 stats;
};

class SlaveOps {
public:
    virtual ~SlaveOps() = default;

    virtual std::error_code open(const Netdev& dev) = 0;
    virtual std::error_code close(const Netdev& dev) = 0;
    virtual std::error_code set_mtu(const Netdev& dev, unsigned mtu) = 0;
    virtual std::error_code add_vid(const Netdev& dev, std::uint16_t vid) = 0;
    virtual std::error_code kill_vid(const Netdev& dev, std::uint16_t vid) = 0;
    // Make the addresses the master contributes to this slave equal to `lists` (adds and removes).
    virtual std::error_code sync_addresses(const Netdev& dev, const AddressLists& lists) = 0;
    // Remove every address the master contributed.
    virtual std::error_code unsync_addresses(const Netdev& dev) = 0;
    // The failover-slave mark and no-addrconf (no IPv6 autoconf on slaves, O4).
    virtual std::error_code set_slave_flags(const Netdev& dev) = 0;
    virtual std::error_code clear_slave_flags(const Netdev& dev) = 0;
    // Upper link to the master; EBUSY when the device already has a master.
    virtual std::error_code link_to_master(const Netdev& dev, const MasterIdentity& master) = 0;
    virtual std::error_code unlink_from_master(const Netdev& dev, const MasterIdentity& master) = 0;
    // Claim the device's receive path for the master; EBUSY when another user holds it (bridge, bond...).
    virtual std::error_code install_rx_handler(const Netdev& dev, const MasterIdentity& master) = 0;
    virtual std::error_code remove_rx_handler(const Netdev& dev) = 0;
    virtual StatsReading read_stats(const Netdev& dev) = 0;
    // A primary paired by id (a trusted VF the host did not give the standby's MAC) takes the master's
    // MAC: set while the device is down, as drivers require, its admin state as before afterwards. The
    // edge remembers the device's own MAC (across a daemon crash too) and fails with the driver's errno
    // when the MAC does not take, leaving the device with its own.
    virtual std::error_code take_address(const Netdev& dev, const MacAddress& mac) = 0;
    // The device's own MAC again, once it leaves; success when nothing was taken.
    virtual std::error_code restore_address(const Netdev& dev) = 0;
};

inline std::error_code errno_code(int err) { return {err, std::generic_category()}; }

}  // namespace nf::failover
