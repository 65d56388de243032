#include "failoverd_control/control_protocol.h"

#include <array>

#include "common/enum_words.h"
#include "common/error.h"
#include "common/json_input.h"

namespace nf::daemon {

using nlohmann::json;

std::optional<ActiveChoice> parse_active_choice(std::string_view text) {
    return from_string(text, std::array{ActiveChoice::primary, ActiveChoice::standby, ActiveChoice::automatic});
}

ControlRequest parse_request(std::string_view line) {
    const JsonInput input = parse_json_input(line);
    if (!input.value) throw ConfigError("request is not valid JSON: " + input.error);
    const json& request = *input.value;
    if (!request.is_object()) throw ConfigError("request must be a JSON object");
    const auto cmd = request.find("cmd");
    if (cmd == request.end() || !cmd->is_string()) throw ConfigError("request has no \"cmd\" string");
    const auto name = cmd->get<std::string>();
    if (name == "status") return StatusRequest{};
    if (name == "events") return EventsRequest{};
    if (name == "resync") return ResyncRequest{};
    if (name != "set") throw ConfigError("unknown cmd '" + name + "' (known: status, events, set, resync)");

    const auto key = request.find("key");
    if (key == request.end() || !key->is_string()) throw ConfigError("set: missing \"key\" string");
    if (key->get<std::string>() != "active")
        throw ConfigError("set: unknown key '" + key->get<std::string>() + "' (known: active)");
    const auto value = request.find("value");
    if (value == request.end() || !value->is_string()) throw ConfigError("set active: missing \"value\" string");
    const auto choice = parse_active_choice(value->get<std::string>());
    if (!choice)
        throw ConfigError("set active: '" + value->get<std::string>() + "' is not one of primary, standby, auto");
    return SetActiveRequest{*choice};
}

json ok_reply(json fields) {
    json reply = {{"ok", true}};
    reply.update(fields);
    return reply;
}

json error_reply(std::string_view message) { return {{"ok", false}, {"error", message}}; }

std::string to_line(const json& message) {
    // Replace invalid UTF-8 rather than throw: a netdev name is bytes, and the reply must still go out.
    return dump_json(message) + "\n";
}

}  // namespace nf::daemon
