#include "qmp/qmp_protocol.h"

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

// nlohmann prefixes "[json.exception.parse_error.101] "; the client only needs the part after it.
std::string parse_error_text(const std::string& what) {
    const auto bracket = what.find("] ");
    return bracket == std::string::npos ? what : what.substr(bracket + 2);
}
}  // namespace

ParsedCommand parse_command(std::string_view line) {
    json message;
    try {
        message = json::parse(line);
    } catch (const json::parse_error& e) {
        return failed("JSON parse error, " + parse_error_text(e.what()));
    }
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
    return reply.dump() + "\n";
}

std::string encode_event(const std::string& name, const json& data, std::chrono::system_clock::time_point when) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
    json event{{"event", name}, {"timestamp", {{"seconds", micros / 1000000}, {"microseconds", micros % 1000000}}}};
    if (!data.is_null() && !(data.is_object() && data.empty())) event["data"] = data;
    return event.dump() + "\n";
}

QmpEvent decode_event(const json& message) {
    QmpEvent event;
    event.name = message.at("event").get<std::string>();
    if (message.contains("data")) event.data = message["data"];
    if (message.contains("timestamp")) {
        event.seconds = message["timestamp"].value("seconds", std::int64_t{0});
        event.microseconds = message["timestamp"].value("microseconds", std::int64_t{0});
    }
    return event;
}

}  // namespace nf::qmp
