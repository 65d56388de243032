#pragma once
// QMP wire messages, QEMU-compatible. No library implements QMP framing, so it is written here by hand:
// greeting, {"execute","arguments","id"} commands, {"return"}/{"error"} replies, timestamped events.
// Framing is one JSON object per line (QEMU's parser also takes values spanning lines; our peers don't send them).
#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <variant>

namespace nf::qmp {

struct QmpError {
    std::string error_class;  // "GenericError", "CommandNotFound", "DeviceNotFound", ...
    std::string desc;
    bool operator==(const QmpError&) const = default;
};

// What a command handler returns: a result ({} for most commands) or an error.
using QmpResult = std::variant<nlohmann::json, QmpError>;

struct QmpVersion {
    int major = 8;
    int minor = 2;
    int micro = 0;
    std::string package;
};

struct QmpCommand {
    std::string execute;
    nlohmann::json arguments = nlohmann::json::object();
    std::optional<nlohmann::json> id;  // echoed verbatim in the reply
};

struct QmpEvent {
    std::string name;
    nlohmann::json data = nlohmann::json::object();
    std::int64_t seconds = 0;
    std::int64_t microseconds = 0;
};

nlohmann::json greeting(const QmpVersion& version);

// Parses one input line into a command, or the error reply to send (with the id when one could be read).
struct ParsedCommand {
    std::optional<QmpCommand> command;
    QmpError error;
    std::optional<nlohmann::json> id;
};
ParsedCommand parse_command(std::string_view line);

std::string encode_reply(const QmpResult& result, const std::optional<nlohmann::json>& id);
// Events carry wall-clock time, as QEMU's do. "data" is left out when empty (STOP, RESUME), as in QEMU.
std::string encode_event(const std::string& name, const nlohmann::json& data,
                         std::chrono::system_clock::time_point when = std::chrono::system_clock::now());
// Total: nullopt when `message` is not an event object (no string "event"); a bad timestamp reads as 0.
std::optional<QmpEvent> decode_event(const nlohmann::json& message);

}  // namespace nf::qmp
