#pragma once
// Make before break, in time (RxMode::make_before_break): when the program stops delivering the standby's
// RX because TX moved to the primary, the standby keeps delivering for FailoverConfig::rx_grace, for the
// frames still in flight on its path. Time is an input: hold() is told "now" and keeps until() as the time
// it must be told again; nothing here sleeps or reads a clock.
#include <chrono>
#include <optional>

#include "failover/config.h"
#include "failover/program.h"

namespace nf::failover {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

class RxGrace {
public:
    RxGrace(RxMode mode, std::chrono::milliseconds grace) : mode_(mode), grace_(grace) {}

    // `program` is what the master asks for now, `applied` what the datapath does. While the grace holds,
    // the standby's RX is set delivered in `program`. The grace begins when the program turns the standby's
    // RX off while the datapath delivers it from that same standby; it ends at until(), or at once when the
    // program delivers the standby's RX again (it is active again) or the standby is gone or replaced.
    void hold(DatapathProgram& program, const std::optional<DatapathProgram>& applied, TimePoint now);

    bool holding() const { return until_.has_value(); }
    // When hold() must be called again (the grace ends), while it holds.
    std::optional<TimePoint> until() const { return until_; }

private:
    bool may_hold(const DatapathProgram& program, const std::optional<DatapathProgram>& applied) const;

    RxMode mode_;
    std::chrono::milliseconds grace_;
    std::optional<TimePoint> until_;
};

}  // namespace nf::failover
