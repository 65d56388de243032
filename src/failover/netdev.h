#pragma once
// The abstract netdev the failover rules read (spec linux-failover.md §1). The OS edge fills one from
// rtnetlink; the simulator (sim/) from its fake devices. A plain value: the core copies it.
#include <compare>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/mac_address.h"
#include "failover/features.h"
#include "failover/stats64.h"

namespace nf::failover {

enum class NetdevType : std::uint8_t { ethernet, other };

// ifindex is unique only within a namespace, so a device is named by both.
struct NetdevKey {
    std::uint64_t netns = 0;
    int ifindex = 0;
    auto operator<=>(const NetdevKey&) const = default;
};

// Unicast and multicast address lists, as synced from the master to its slaves (M4).
struct AddressLists {
    std::vector<MacAddress> uc;
    std::vector<MacAddress> mc;
    bool operator==(const AddressLists&) const = default;
};

struct Netdev {
    std::string name;
    int ifindex = 0;
    std::uint64_t netns = 0;
    NetdevType type = NetdevType::ethernet;
    MacAddress dev_addr;                  // current MAC; never a pairing key (P3)
    MacAddress perm_addr;                 // permanent MAC; zero when random or stolen (M-perm)
    std::string parent;                   // bus-device identity, empty = none (P4)
    bool parent_is_pci = false;
    std::optional<std::string> pair_id;   // explicit pairing id, e.g. the PCI slot serial (netvsc N4)
    bool is_failover_master = false;      // IFF_FAILOVER: never a slave candidate (P1)
    bool admin_up = false;                // IFF_UP
    bool running = false;                 // netif_running
    bool carrier = false;
    unsigned mtu = 1500, min_mtu = 68, max_mtu = 1500;
    unsigned num_tx_queues = 1;
    AddressLists addresses;
    std::set<std::uint16_t> vids;
    Stats64 stats;
    SlaveFeatures features;

    NetdevKey key() const { return {netns, ifindex}; }
};

// T1: a slave can carry TX only when it is both running and has carrier.
inline bool xmit_ready(const Netdev& dev) { return dev.running && dev.carrier; }

}  // namespace nf::failover
