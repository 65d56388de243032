// FailoverMaster: what happens to packets (T2-T5, R-X1) and the counters (S1-S5).
#include <spdlog/spdlog.h>

#include <cerrno>

#include "failover/master.h"

namespace nf::failover {

std::optional<Role> FailoverMaster::active_slave() const {
    return choose_tx(slave(Role::primary), slave(Role::standby), primary_leaving_ ? ActiveChoice::standby : forced_);
}

std::optional<Role> FailoverMaster::effective_tx() const {
    if (!running_ || queues_stopped_) return std::nullopt;
    return active_slave();
}

TxDecision FailoverMaster::transmit(const TxPacket& packet) {
    TxDecision decision;
    decision.master_queue = select_master_queue(slave(Role::primary), packet, config_.tx_queues);  // T4
    decision.queue_mapping = packet.queue_mapping;                                                 // T3
    if (!running_ || queues_stopped_) {
        // T5: a noqueue device with stopped queues: the core drops with ENETDOWN.
        ++own_drops_.tx_dropped;
        decision.error = errno_code(ENETDOWN);
        return decision;
    }
    decision.slot = active_slave();  // T2
    if (!decision.slot) ++own_drops_.tx_dropped;  // T2.3: dropped, the sender sees success
    return decision;
}

bool FailoverMaster::rx_delivered(Role from) const {
    if (!slot(from) && !joining(from)) return false;
    if (from == Role::primary) return true;  // R-X2, from the moment it opens (joining)
    if (primary_leaving_) return true;       // the primary is as good as gone (begin_primary_removal)
    if (config_.rx == RxMode::kernel) return slot(Role::primary) == nullptr;  // R-X1: EXACT
    // make-before-break: the standby keeps delivering until TX has really moved to the primary.
    return active_slave() != Role::primary;
}

void FailoverMaster::fold_present_slaves(Stats64& into) {
    for (Role role : {Role::primary, Role::standby}) {
        Slave* s = slot(role);
        if (!s) continue;
        const StatsReading now = ops_.read_stats(s->dev);
        if (now.error) {
            spdlog::debug("{}: stats of {} unreadable: {}", name_, s->dev.name, now.error.message());
            continue;
        }
        fold_stats(into, s->snapshot, now.stats);
    }
}

Stats64 FailoverMaster::stats() {
    fold_present_slaves(accumulated_);
    return accumulated_ + own_drops_;
}

void FailoverMaster::stats_checkpoint() {
    if (config_.stats == StatsMode::monotonic) {
        fold_present_slaves(accumulated_);
        return;
    }
    // S5 [quirk]: the kernel reads its own stats into the accumulator, which the core zeroes first, so the
    // history is lost and the master's own drops are counted again on every later read.
    Stats64 fresh;
    fold_present_slaves(fresh);
    accumulated_ = fresh + own_drops_;
}

}  // namespace nf::failover
