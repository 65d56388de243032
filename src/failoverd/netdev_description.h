#pragma once
// What the failover core reads about a link (failover::Netdev), from what rtnetlink says (os::LinkInfo).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "failoverd/pair_id_rules.h"
#include "failover/netdev.h"
#include "os/link_info.h"

namespace nf::failoverd {

// The pairing key: IFLA_PERM_ADDRESS, or the current MAC when the device has no permanent one (veth,
// tap: the normal case in the lab). The fallback is logged once per device and MAC, at info level.
class NetdevDescriber {
public:
    explicit NetdevDescriber(std::uint64_t netns) : netns_(netns) {}

    failover::Netdev describe(const os::LinkInfo& link);
    std::uint64_t netns() const { return netns_; }
    void forget(int ifindex) {  // the link is gone
        fallback_logged_.erase(ifindex);
        ids_.erase(ifindex);
    }

    // --pair-by id: every netdev's pair_id comes from `rule` (its id from that source, if any). A sysfs
    // id is read once per device (a slot, an acpi index or a label does not change while the device
    // exists); an alias is read from each link message. The first id seen for a device is logged.
    void set_pair_id_rule(std::shared_ptr<const daemon::PairIdRule> rule) { rule_ = std::move(rule); }

private:
    std::optional<std::string> pair_id(const os::LinkInfo& link);

    std::uint64_t netns_;
    std::map<int, MacAddress> fallback_logged_;  // by ifindex: the MAC last reported (again when it changes)
    std::shared_ptr<const daemon::PairIdRule> rule_;
    struct KnownId {
        std::string parent;               // the device it was read for (a new device may reuse an ifindex)
        std::optional<std::string> id;
    };
    std::map<int, KnownId> ids_;  // by ifindex: the id last read (sysfs) or logged (alias)
};

// The key alone, without logging.
MacAddress pairing_mac(const os::LinkInfo& link);

}  // namespace nf::failoverd
