#pragma once
// The control protocol between failoverd and failoverctl: one JSON object per line over a unix stream
// socket, in both directions.
//   {"cmd":"status"}                                 -> {"ok":true,"status":{...}}
//   {"cmd":"events"}                                 -> {"ok":true,"subscribed":"events"}, then one event
//                                                       object per line until the client disconnects
//   {"cmd":"set","key":"active","value":"auto"}      -> {"ok":true,"active":"auto"}
//   {"cmd":"resync"}                                 -> {"ok":true,"resynced":true} (as SIGHUP: the links
//                                                       dumped again, the failover state brought up to date)
// Any failure                                        -> {"ok":false,"error":"..."}
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "failover/config.h"

namespace nf::daemon {

// Who the user wants active: a forced slave, or the daemon's own choice. The core's term; its words
// ("primary", "standby", "auto") are failover::to_string's.
using ActiveChoice = failover::ActiveChoice;
using failover::to_string;  // ActiveChoice
std::optional<ActiveChoice> parse_active_choice(std::string_view text);

struct StatusRequest {};
struct EventsRequest {};
struct SetActiveRequest {
    ActiveChoice value;
};
struct ResyncRequest {};
using ControlRequest = std::variant<StatusRequest, EventsRequest, SetActiveRequest, ResyncRequest>;

// Throws nf::ConfigError with the text for the error reply ("unknown cmd 'x' (known: ...)").
ControlRequest parse_request(std::string_view line);

nlohmann::json ok_reply(nlohmann::json fields = nlohmann::json::object());
nlohmann::json error_reply(std::string_view message);
// Compact JSON plus the newline that frames it.
std::string to_line(const nlohmann::json& message);

}  // namespace nf::daemon
