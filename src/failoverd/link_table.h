#pragma once
// The links of one namespace as we last saw them, and the translation of rtnetlink events into the
// netdev notifications the failover core takes (spec L1). rtnetlink says "this link now looks like
// this"; the core wants REGISTER / UP / DOWN / CHANGE / CHANGENAME / UNREGISTER, so we diff.
// The earliest unplug signal (IFF_UP or carrier cleared, ~0.1 ms before DELLINK) becomes DOWN/CHANGE at once.
#include <map>
#include <set>
#include <vector>

#include "failover/events.h"
#include "failoverd/netdev_description.h"
#include "os/link_monitor.h"

namespace nf::failoverd {

class LinkTable {
public:
    explicit LinkTable(std::uint64_t netns) : describer_(netns) {}

    // Links we own (master, holder bridge, veth peer) are tracked but never reported to the core.
    void ignore(int ifindex) { ignored_.insert(ifindex); }
    bool ignored(int ifindex) const { return ignored_.contains(ifindex); }

    // One rtnetlink event -> the core's events for it, in order (possibly none).
    std::vector<failover::NetdevEvent> apply(const os::LinkEvent& event);
    // A full dump (start-up, or after an Overrun): the differences as events; links that vanished are
    // unregistered, new ones registered in ifindex order (registration order, P6).
    std::vector<failover::NetdevEvent> resync(const std::vector<os::LinkInfo>& links);

    const os::LinkInfo* find(int ifindex) const;
    const os::LinkInfo* find_by_name(const std::string& name) const;
    // Every tracked link the core may see, as Netdevs, in ifindex order (the P6 scan's input).
    std::vector<failover::Netdev> netdevs();
    failover::Netdev describe(const os::LinkInfo& link) { return describer_.describe(link); }
    std::uint64_t netns() const { return describer_.netns(); }
    void set_pair_id_rule(std::shared_ptr<const daemon::PairIdRule> rule) { describer_.set_pair_id_rule(std::move(rule)); }

private:
    void diff(const os::LinkInfo& before, const os::LinkInfo& after, std::vector<failover::NetdevEvent>& out);

    NetdevDescriber describer_;
    std::map<int, os::LinkInfo> links_;
    std::set<int> ignored_;
};

}  // namespace nf::failoverd
