#pragma once
// What rtnetlink tells us about one network device (RTM_NEWLINK / RTM_DELLINK).
#include <cstdint>
#include <optional>
#include <string>

#include "common/mac_address.h"

namespace nf::os {

struct LinkInfo {
    int ifindex = 0;
    std::string name;
    std::string kind;            // IFLA_INFO_KIND: "veth", "tun", "bridge", ...; empty for physical NICs
    unsigned arptype = 0;        // ARPHRD_*
    MacAddress mac;              // IFLA_ADDRESS
    // IFLA_PERM_ADDRESS. The kernel omits it when the device has none (all zero): veth, bridge and tap never
    // have one, a real NIC (and virtio-net) does. nullopt then.
    std::optional<MacAddress> perm_mac;
    bool admin_up = false;       // IFF_UP
    bool running = false;        // IFF_RUNNING
    bool lower_up = false;       // IFF_LOWER_UP
    bool carrier = false;        // IFLA_CARRIER
    std::uint8_t operstate = 0;  // IF_OPER_* (RFC 2863)
    unsigned mtu = 0;
    unsigned min_mtu = 0;        // 0 when not reported
    unsigned max_mtu = 0;
    int master = 0;              // ifindex of the master (bridge, failover master); 0 if none
    std::string parent_dev_name;  // IFLA_PARENT_DEV_NAME, e.g. the PCI address of a VF; empty for virtual links
    std::string parent_bus_name;  // IFLA_PARENT_DEV_BUS_NAME, e.g. "pci", "virtio"
    std::string alias;            // IFLA_IFALIAS (`ip link set X alias TEXT`); empty when none
    std::optional<int> link_netnsid;  // the peer's namespace id, for a veth whose peer lives elsewhere
    // IFLA_LINK: the link this one sits on (a veth: its peer's ifindex, in link_netnsid's namespace when that
    // is set); 0 when not reported, as for a physical device (its own link).
    int iflink = 0;
    // Only in the RTM_DELLINK of a namespace move: where the link went.
    std::optional<int> new_netnsid;
    std::optional<int> new_ifindex;
};

// IFLA_STATS64: the 64-bit counters of one link.
struct LinkStats {
    std::uint64_t rx_packets = 0;
    std::uint64_t tx_packets = 0;
    std::uint64_t rx_bytes = 0;
    std::uint64_t tx_bytes = 0;
    std::uint64_t rx_errors = 0;
    std::uint64_t tx_errors = 0;
    std::uint64_t rx_dropped = 0;
    std::uint64_t tx_dropped = 0;
    std::uint64_t multicast = 0;
    std::uint64_t collisions = 0;
    std::uint64_t rx_nohandler = 0;
};

// IFLA_INET6_ADDR_GEN_MODE (enum in6_addr_gen_mode): how the kernel makes the IPv6 link-local address.
enum class AddrGenMode : std::uint8_t { eui64 = 0, none = 1, stable_privacy = 2, random = 3 };

}  // namespace nf::os
