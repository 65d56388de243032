#include "failover/output.h"

#include <spdlog/spdlog.h>

namespace nf::failover {

MasterOutput::MasterOutput(const FailoverMaster& master, DatapathOps& datapath)
    : master_(master), applier_(datapath), grace_(master.config().rx, master.config().rx_grace) {}

OutputStep MasterOutput::update(TimePoint now) {
    DatapathProgram program = compute_program(master_);
    const bool was_holding = grace_.holding();
    grace_.hold(program, applier_.applied(), now);
    if (grace_.holding() != was_holding) {
        if (grace_.holding())
            spdlog::debug("{}: standby rx stays delivered for {} ms (grace)", master_.name(),
                          master_.config().rx_grace.count());
        else
            spdlog::debug("{}: rx grace over: standby rx as the program says", master_.name());
    }
    OutputStep step;
    step.wake_at = grace_.until();
    const auto& applied = applier_.applied();
    if (applied && *applied == program) return step;
    const bool first = !applied;
    const auto tx_before = applied ? applied->tx : std::nullopt;
    applier_.apply(program);  // records the program only when every call succeeded
    step.applied = true;
    if (first || program.tx != tx_before) step.tx_switch = note_switch(tx_before, program.tx, first);
    return step;
}

TxSwitch MasterOutput::note_switch(std::optional<Role> from, std::optional<Role> to, bool first) {
    TxSwitch s{from, to, first};
    if (!to) return s;  // dropping: no port to announce on, and the last slave used is kept
    s.failover = last_slave_tx_ && *last_slave_tx_ != *to;
    s.new_port = last_slave_tx_ != to;
    last_slave_tx_ = to;
    if (s.failover) ++failovers_;
    return s;
}

}  // namespace nf::failover
