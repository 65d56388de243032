#pragma once
// The control protocol's event: a failover event as one JSON object for `failoverctl events`, stamped
// with wall-clock and monotonic time so a reader can line it up with packet captures and other events.
#include <chrono>

#include <nlohmann/json.hpp>

#include "failover/events.h"

namespace nf::daemon {

nlohmann::json event_json(const failover::FailoverEvent& event, std::chrono::system_clock::time_point wall,
                          std::chrono::steady_clock::time_point mono);

}  // namespace nf::daemon
