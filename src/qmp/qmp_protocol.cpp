#include "qmp/qmp_protocol.h"

#include "common/json_input.h"

namespace nf::qmp {

using nlohmann::json;

json greeting(const QmpVersion& v) {
    return {{"QMP",
             {{"version", {{"qemu", {{"major", v.major}, {"minor", v.minor}, {"micro", v.micro}}}, {"package", v.package}}},
              {"capabilities", json::array()}}}};
}

namespace {
ParsedCommand failed(std::string desc, std::optional<json> id = std::nullopt) {
    return {std::nullopt, {"GenericError", std::move(desc)}, std::move(id)};
}
}  // namespace

ParsedCommand parse_command(std::string_view line) {
    // Total: syntax errors, number overflow ("1e999"), bad UTF-8 and deep nesting all become a reply.
    JsonInput input = parse_json_input(line);
    if (!input.value) return failed("JSON parse error, " + input.error);
    json message = std::move(*input.value);
    if (!message.is_object()) return failed("QMP input must be a JSON object");
    std::optional<json> id;
    if (const auto it = message.find("id"); it != message.end()) id = *it;
    for (const auto& [key, value] : message.items())
        if (key != "execute" && key != "arguments" && key != "id")
            return failed("QMP input member '" + key + "' is unexpected", id);
    const auto execute = message.find("execute");
    if (execute == message.end()) return failed("QMP input lacks member 'execute'", id);
    if (!execute->is_string()) return failed("QMP input member 'execute' must be a string", id);
    QmpCommand command{execute->get<std::string>(), json::object(), id};
    if (const auto args = message.find("arguments"); args != message.end()) {
        if (!args->is_object()) return failed("QMP input member 'arguments' must be an object", id);
        command.arguments = *args;
    }
    return {std::move(command), {}, id};
}

std::string encode_reply(const QmpResult& result, const std::optional<json>& id) {
    json reply;
    if (const auto* value = std::get_if<json>(&result)) reply["return"] = *value;
    else {
        const auto& error = std::get<QmpError>(result);
        reply["error"] = {{"class", error.error_class}, {"desc", error.desc}};
    }
    if (id) reply["id"] = *id;
    // A desc may quote the client's bytes or a netdev name: invalid UTF-8 is replaced, never thrown on.
    return dump_json(reply) + "\n";
}

std::string encode_event(const std::string& name, const json& data, std::chrono::system_clock::time_point when) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
    json event{{"event", name}, {"timestamp", {{"seconds", micros / 1000000}, {"microseconds", micros % 1000000}}}};
    if (!data.is_null() && !(data.is_object() && data.empty())) event["data"] = data;
    return dump_json(event) + "\n";
}

std::optional<QmpEvent> decode_event(const json& message) {
    if (!message.is_object()) return std::nullopt;
    const auto name = message.find("event");
    if (name == message.end() || !name->is_string()) return std::nullopt;
    QmpEvent event;
    event.name = name->get<std::string>();
    if (const auto data = message.find("data"); data != message.end()) event.data = *data;
    if (const auto stamp = message.find("timestamp"); stamp != message.end() && stamp->is_object()) {
        const auto integer = [&](const char* key) {
            const auto it = stamp->find(key);
            return it != stamp->end() && it->is_number_integer() ? it->get<std::int64_t>() : std::int64_t{0};
        };
        event.seconds = integer("seconds");
        event.microseconds = integer("microseconds");
    }
    return event;
}

}  // namespace nf::qmp
