#pragma once
// What the failover core reads about a link (failover::Netdev), from what rtnetlink says (os::LinkInfo).
#include <cstdint>
#include <map>
#include <set>

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
    void forget(int ifindex) { fallback_logged_.erase(ifindex); }  // the link is gone

private:
    std::uint64_t netns_;
    std::map<int, MacAddress> fallback_logged_;  // by ifindex: the MAC last reported (again when it changes)
};

// The key alone, without logging.
MacAddress pairing_mac(const os::LinkInfo& link);

}  // namespace nf::failoverd
