#pragma once
// The master's output, one way through: after any change to the master (an event, an operation) and at
// the time it asked to be woken, update() computes the program once — the TX the master decided and
// published as active_changed (FailoverMaster::tx()), RX with the grace (RxGrace), the carrier — applies
// what changed to the datapath and says whether TX switched. The caller acts on that answer only: it
// times the switch, counts nothing itself, announces out of the new slave, and arms one timer at wake_at.
#include <cstdint>
#include <optional>

#include "failover/datapath_ops.h"
#include "failover/master.h"
#include "failover/program.h"
#include "failover/rx_grace.h"

namespace nf::failover {

// TX moved: set on the first program applied and whenever the program's TX differs from the last applied.
struct TxSwitch {
    std::optional<Role> from;  // before (nullopt: dropped, or nothing applied yet)
    std::optional<Role> to;    // now (nullopt: dropped)
    bool first = false;        // the first program applied (start-up, adoption): no switch to time
    bool new_port = false;     // TX leaves on a slave other than the last one it used: announce out of it
    bool failover = false;     // from one slave to the other (what failovers() counts)
};

struct OutputStep {
    bool applied = false;                // the datapath was changed
    std::optional<TxSwitch> tx_switch;
    std::optional<TimePoint> wake_at;    // call update() again then (the RX grace ends)
};

class MasterOutput {
public:
    // Both must outlive the output; the grace follows the master's config (rx, rx_grace).
    MasterOutput(const FailoverMaster& master, DatapathOps& datapath);

    // Throws what the datapath throws; the last program applied completely stays recorded, so the next
    // update() retries, and wake_at() is still current.
    OutputStep update(TimePoint now);

    // What the datapath does now (the standby held by the grace shows as delivered).
    const std::optional<DatapathProgram>& applied() const { return applier_.applied(); }
    bool rx_grace_holding() const { return grace_.holding(); }
    std::optional<TimePoint> wake_at() const { return grace_.until(); }
    // Switches of TX from one slave to the other since the output began.
    std::uint64_t failovers() const { return failovers_; }

private:
    TxSwitch note_switch(std::optional<Role> from, std::optional<Role> to, bool first);

    const FailoverMaster& master_;
    DatapathApplier applier_;
    RxGrace grace_;
    std::optional<Role> last_slave_tx_;  // the last slave TX used (a drop in between is no switch)
    std::uint64_t failovers_ = 0;
};

}  // namespace nf::failover
