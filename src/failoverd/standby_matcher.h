#pragma once
// Picks the standby among the guest's netdevs by the rules of StandbyMatch (see failoverd(8),
// STANDBY RULES). Works on snapshots of sysfs facts, so the rules are tested without a kernel.
#include <string>
#include <vector>

#include "common/virtio_net.h"
#include "failoverd_control/daemon_config.h"

namespace nf::daemon {

// What sysfs says about one netdev. Empty strings when the netdev has no device (veth, tap).
struct NetdevFacts {
    std::string name;
    std::string driver;             // basename of /sys/class/net/<name>/device/driver
    std::string virtio_features;    // /sys/class/net/<name>/device/features: '0'/'1' per bit, bit 0 first
};

// offers_virtio_standby: character kVirtioNetFStandby of the features string is '1'.
bool offers_virtio_standby(const NetdevFacts& facts);

class StandbyMatcher {
public:
    explicit StandbyMatcher(StandbyMatch rules) : rules_(std::move(rules)) {}

    bool matches(const NetdevFacts& facts) const { return mismatch(facts).empty(); }
    // The first rule that fails, for the logs ("driver is 'mlx5_core', not 'virtio_net'"); empty on a match.
    std::string mismatch(const NetdevFacts& facts) const;
    // The names of the netdevs that match, in the order given.
    std::vector<std::string> matching(const std::vector<NetdevFacts>& netdevs) const;
    // "driver=virtio_net name_glob=ens* virtio_standby_feature"
    std::string describe() const;

    const StandbyMatch& rules() const { return rules_; }

private:
    StandbyMatch rules_;
};

}  // namespace nf::daemon
