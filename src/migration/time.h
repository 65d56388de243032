#pragma once
// Time is an input to the migration core: every event carries `now`, every bounded wait is an ArmTimer
// action whose expiry comes back as an event. The core never reads a clock.
#include <chrono>

namespace nf::migration {

using Clock = std::chrono::steady_clock;
using Time = Clock::time_point;
using Millis = std::chrono::milliseconds;

inline long long to_ms(Clock::duration d) { return std::chrono::duration_cast<Millis>(d).count(); }

}  // namespace nf::migration
