#pragma once
// A failover event as one JSON object for `failoverctl events`, stamped with wall-clock and monotonic
// time so a reader can line it up with packet captures and with other events.
#include <chrono>

#include <nlohmann/json.hpp>

#include "failover/events.h"

namespace nf::failoverd {

nlohmann::json event_json(const failover::FailoverEvent& event, std::chrono::system_clock::time_point wall,
                          std::chrono::steady_clock::time_point mono);

}  // namespace nf::failoverd
