#pragma once
// A simulated netdev: its description plus the state the failover core changes through SlaveOps, and
// injectable failures for each operation.
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "failover/netdev.h"

namespace nf::failover::sim {

// Each set field makes the operation fail with that errno.
struct FakeFailures {
    std::optional<int> open;                 // e.g. EIO, EBUSY
    std::optional<unsigned> mtu_above;       // set_mtu above this value fails with EINVAL
    std::set<std::uint16_t> refused_vids;    // add_vid of these fails with EPERM
    bool refuse_all_vids = false;
    std::optional<int> sync_addresses;
    std::optional<int> slave_flags;
    std::optional<int> read_stats;
    std::optional<int> take_address;         // e.g. EADDRNOTAVAIL: a driver that refuses the MAC
};

struct FakeNetdev {
    Netdev desc;
    FakeFailures fail;
    std::optional<std::string> rx_handler_owner;  // who claimed the receive path (bridge, a master)
    std::optional<std::string> upper;             // the master it is linked under
    bool failover_slave_flag = false;             // failover-slave + no-addrconf (O4)
    std::optional<MacAddress> own_addr;           // set by take_address, cleared by restore_address
    std::vector<std::string> op_log;              // every operation applied, in order ("open", "set_mtu 1500")

    bool enslaved() const { return upper.has_value() || rx_handler_owner.has_value() || failover_slave_flag; }
};

}  // namespace nf::failover::sim
