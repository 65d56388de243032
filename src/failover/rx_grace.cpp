#include "failover/rx_grace.h"

namespace nf::failover {

namespace {
constexpr std::size_t kStandby = slot_index(Role::standby);
}  // namespace

// Something to hold: make-before-break with a grace, and the standby the datapath delivers from is the one
// the program still has (not gone, not a new device under the same role).
bool RxGrace::may_hold(const DatapathProgram& program, const std::optional<DatapathProgram>& applied) const {
    if (mode_ != RxMode::make_before_break || grace_.count() <= 0) return false;
    if (!applied || !applied->rx[kStandby]) return false;
    const auto& before = applied->slaves[kStandby];
    const auto& now = program.slaves[kStandby];
    return before && now && before->ifindex == now->ifindex;
}

void RxGrace::hold(DatapathProgram& program, const std::optional<DatapathProgram>& applied, TimePoint now) {
    if (program.rx[kStandby] || !may_hold(program, applied)) {
        until_.reset();  // delivered anyway, or nothing to hold
        return;
    }
    if (!until_) until_ = now + grace_;
    if (now < *until_) {
        program.rx[kStandby] = true;
        return;
    }
    until_.reset();  // over: the program as the master asks for it
}

}  // namespace nf::failover
