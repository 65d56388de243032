#include "failoverd/netdev_description.h"

#include <net/if_arp.h>

#include <spdlog/spdlog.h>

namespace nf::failoverd {

MacAddress pairing_mac(const os::LinkInfo& link) {
    return link.perm_mac && !link.perm_mac->is_zero() ? *link.perm_mac : link.mac;
}

std::optional<std::string> NetdevDescriber::pair_id(const os::LinkInfo& link) {
    if (!rule_ || link.arptype != ARPHRD_ETHER) return std::nullopt;
    const daemon::PrimaryFacts facts{link.name, link.parent_dev_name, link.parent_bus_name, link.alias};
    const auto known = ids_.find(link.ifindex);
    if (rule_->reads_sysfs() && known != ids_.end() && known->second.parent == link.parent_dev_name)
        return known->second.id;
    std::optional<std::string> id = rule_->read(facts);
    if (id && (known == ids_.end() || known->second.id != id))
        spdlog::info("{} (ifindex {}) carries pair id {}", link.name, link.ifindex, *id);
    ids_[link.ifindex] = {link.parent_dev_name, id};
    return id;
}

failover::Netdev NetdevDescriber::describe(const os::LinkInfo& link) {
    failover::Netdev dev;
    dev.name = link.name;
    dev.ifindex = link.ifindex;
    dev.netns = netns_;
    dev.type = link.arptype == ARPHRD_ETHER ? failover::NetdevType::ethernet : failover::NetdevType::other;
    dev.dev_addr = link.mac;
    dev.perm_addr = pairing_mac(link);
    const bool fallback = !link.perm_mac || link.perm_mac->is_zero();
    const auto logged = fallback_logged_.find(link.ifindex);
    if (fallback && dev.type == failover::NetdevType::ethernet &&
        (logged == fallback_logged_.end() || logged->second != link.mac)) {
        fallback_logged_[link.ifindex] = link.mac;
        spdlog::info("{} (ifindex {}) has no permanent MAC; pairing by its current MAC {}", link.name, link.ifindex,
                     link.mac.to_string());
    }
    dev.parent = link.parent_dev_name;
    dev.parent_is_pci = link.parent_bus_name == "pci";
    dev.pair_id = pair_id(link);
    // netif_running() is IFF_UP as the kernel sees it; IFF_RUNNING in userspace is the operational state.
    dev.admin_up = link.admin_up;
    dev.running = link.admin_up;
    // Carrier for the core (T1: TX goes only to a slave with it) is the operational state: IFF_RUNNING,
    // RFC 2863 UP (or UNKNOWN, for devices that do not report one), which linkwatch sets after the carrier
    // bit. A device that has just opened already has the bit; the switch port on its other side may not
    // forward yet (a bridge port follows the same linkwatch run), and a dormant link forwards nothing.
    dev.carrier = link.admin_up && link.carrier && link.running;
    dev.mtu = link.mtu;
    if (link.min_mtu) dev.min_mtu = link.min_mtu;
    if (link.max_mtu) dev.max_mtu = link.max_mtu;
    return dev;
}

}  // namespace nf::failoverd
