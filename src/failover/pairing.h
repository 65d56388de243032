#pragma once
// Which netdev pairs with which master, and in which role (P2-P5, netvsc N4). Pure functions of the
// candidate's description and the master's identity; "may be standby/primary" are pluggable policies.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "failover/events.h"
#include "failover/netdev.h"

namespace nf::failover {

// What a master is paired by: its permanent MAC, its parent (= the standby's, C1) and, optionally, an
// explicit id for the primary (the netvsc trusted-VF case, where the VF's MAC is not known).
struct PairingTarget {
    MacAddress perm_addr;
    std::string standby_parent;
    std::string standby_name;
    std::optional<std::string> primary_pair_id;
};

enum class MatchKind { none, mac, pair_id };

// P2 + P3 (+ id): Ethernet only; perm_addr equal and non-zero (dev_addr never counts), or the pairing id.
MatchKind match(const PairingTarget& target, const Netdev& candidate);

class PairingPolicy {
public:
    virtual ~PairingPolicy() = default;
    virtual std::string_view name() const = 0;
    virtual bool may_be_standby(const PairingTarget& target, const Netdev& candidate) const = 0;
    virtual bool may_be_primary(const PairingTarget& target, const Netdev& candidate) const = 0;
};

// The kernel's rules: standby iff it shares the master's parent (P4); a primary must sit on PCI (P5b).
class KernelCompatPairing final : public PairingPolicy {
public:
    std::string_view name() const override { return "kernel-compat"; }
    bool may_be_standby(const PairingTarget& target, const Netdev& candidate) const override;
    bool may_be_primary(const PairingTarget& target, const Netdev& candidate) const override;
};

// Any Ethernet device with the key that is not the standby may be the primary (veths in the lab, VFs
// whose parent is not reported as PCI). The standby is recognised by parent, else by name.
class GeneralPairing final : public PairingPolicy {
public:
    std::string_view name() const override { return "general"; }
    bool may_be_standby(const PairingTarget& target, const Netdev& candidate) const override;
    bool may_be_primary(const PairingTarget& target, const Netdev& candidate) const override;
};

std::shared_ptr<const PairingPolicy> kernel_compat_pairing();
std::shared_ptr<const PairingPolicy> general_pairing();

// P4 (and P5b): the role a matching candidate would take, or nullopt when it may take none.
std::optional<Role> classify(const PairingPolicy& policy, const PairingTarget& target, const Netdev& candidate,
                             MatchKind how);

}  // namespace nf::failover
