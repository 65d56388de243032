#include "failover/pairing.h"

namespace nf::failover {

MatchKind match(const PairingTarget& target, const Netdev& candidate) {
    if (candidate.type != NetdevType::ethernet || candidate.is_failover_master) return MatchKind::none;
    if (target.primary_pair_id && candidate.pair_id && *candidate.pair_id == *target.primary_pair_id)
        return MatchKind::pair_id;
    if (!candidate.perm_addr.is_zero() && candidate.perm_addr == target.perm_addr) return MatchKind::mac;
    return MatchKind::none;
}

bool KernelCompatPairing::may_be_standby(const PairingTarget& target, const Netdev& candidate) const {
    return candidate.parent == target.standby_parent;
}

bool KernelCompatPairing::may_be_primary(const PairingTarget&, const Netdev& candidate) const {
    return !candidate.parent.empty() && candidate.parent_is_pci;
}

bool GeneralPairing::may_be_standby(const PairingTarget& target, const Netdev& candidate) const {
    if (!target.standby_parent.empty()) return candidate.parent == target.standby_parent;
    return candidate.name == target.standby_name;
}

bool GeneralPairing::may_be_primary(const PairingTarget& target, const Netdev& candidate) const {
    return !may_be_standby(target, candidate);
}

std::shared_ptr<const PairingPolicy> kernel_compat_pairing() {
    static const auto policy = std::make_shared<const KernelCompatPairing>();
    return policy;
}

std::shared_ptr<const PairingPolicy> general_pairing() {
    static const auto policy = std::make_shared<const GeneralPairing>();
    return policy;
}

std::optional<Role> classify(const PairingPolicy& policy, const PairingTarget& target, const Netdev& candidate,
                             MatchKind how) {
    if (how == MatchKind::none) return std::nullopt;
    // An id names the primary explicitly; a MAC match is standby or primary by P4.
    if (how == MatchKind::mac && policy.may_be_standby(target, candidate)) return Role::standby;
    if (policy.may_be_primary(target, candidate)) return Role::primary;
    return std::nullopt;
}

}  // namespace nf::failover
