#pragma once
// The downtime clock (spec §5.4): starts just before the source guest stops; ends when the destination
// reports VM_STARTED on the return path, else at completion. A value once set is never overwritten, so a
// late completion cannot shorten or lengthen a downtime already measured at VM_STARTED.
#include <optional>
#include <string_view>

#include "migration/time.h"

namespace nf::migration {

enum class DowntimeEnd { VmStarted, Completion };
std::string_view to_string(DowntimeEnd end);  // "vm-started", "completion"

class DowntimeClock {
public:
    void start(Time now);                        // no-op when already started
    void end(Time now, DowntimeEnd how);         // no-op when not started or already ended
    bool started() const { return start_.has_value(); }
    bool ended() const { return end_.has_value(); }
    std::optional<Millis> downtime() const;      // set once ended
    std::optional<DowntimeEnd> ended_by() const { return how_; }

private:
    std::optional<Time> start_;
    std::optional<Time> end_;
    std::optional<DowntimeEnd> how_;
};

}  // namespace nf::migration
