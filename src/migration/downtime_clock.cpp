#include "migration/downtime_clock.h"

namespace nf::migration {

std::string_view to_string(DowntimeEnd end) { return end == DowntimeEnd::VmStarted ? "vm-started" : "completion"; }

void DowntimeClock::start(Time now) {
    if (!start_) start_ = now;
}

void DowntimeClock::end(Time now, DowntimeEnd how) {
    // Never overwritten: the first end (VM_STARTED when the return path carries it) is the downtime.
    if (!start_ || end_) return;
    end_ = now;
    how_ = how;
}

std::optional<Millis> DowntimeClock::downtime() const {
    if (!start_ || !end_) return std::nullopt;
    return std::chrono::duration_cast<Millis>(*end_ - *start_);
}

}  // namespace nf::migration
