// Field checks: each names the field as the user wrote it and, for enums, lists what is allowed.
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <utility>

#include "common/error.h"
#include "common/unix_socket.h"
#include "failoverd_control/config_layer.h"

namespace nf::daemon {

std::string check_group(std::string_view field, const std::string& name) {
    (void)resolve_group(field, name);  // throws ConfigError naming the field
    return name;
}
namespace {

std::string field_prefix(std::string_view field) { return std::string(field) + ": "; }

template <typename Enum, std::size_t N>
Enum parse_enum(std::string_view field, std::string_view text,
                const std::array<std::pair<std::string_view, Enum>, N>& choices) {
    for (const auto& [name, value] : choices)
        if (name == text) return value;
    std::string allowed;
    for (const auto& [name, value] : choices) allowed += (allowed.empty() ? "" : ", ") + std::string(name);
    throw ConfigError(field_prefix(field) + "'" + std::string(text) + "' is not one of " + allowed);
}

}  // namespace

void check_ifname(std::string_view field, std::string_view value) {
    // The kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or whitespace.
    if (value.empty()) throw ConfigError(field_prefix(field) + "interface name is empty");
    if (value.size() > kMaxIfnameLength)
        throw ConfigError(field_prefix(field) + "interface name '" + std::string(value) + "' is longer than " +
                          std::to_string(kMaxIfnameLength) + " characters (IFNAMSIZ-1)");
    if (value == "." || value == "..")
        throw ConfigError(field_prefix(field) + "'" + std::string(value) + "' is not a valid interface name");
    const bool bad_char = std::any_of(value.begin(), value.end(), [](unsigned char ch) {
        return ch == '/' || ch == ':' || ch <= ' ' || ch == 0x7f;
    });
    if (bad_char)
        throw ConfigError(field_prefix(field) + "interface name '" + std::string(value) +
                          "' contains '/', ':', whitespace or a control character");
}

void check_control_path(std::string_view field, std::string_view value) {
    if (value.empty() || value.front() != '/')
        throw ConfigError(field_prefix(field) + "control socket path '" + std::string(value) + "' is not absolute");
    if (value.size() >= sizeof(sockaddr_un::sun_path))
        throw ConfigError(field_prefix(field) + "control socket path is longer than " +
                          std::to_string(sizeof(sockaddr_un::sun_path) - 1) + " bytes (unix socket limit)");
    if (value.back() == '/')
        throw ConfigError(field_prefix(field) + "control socket path '" + std::string(value) + "' names a directory");
}

DeviceModel parse_device_model(std::string_view field, std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, DeviceModel>, 2> choices{
        {{"3dev", DeviceModel::three_device}, {"hidden", DeviceModel::hidden}}};
    return parse_enum(field, text, choices);
}

DatapathChoice parse_datapath(std::string_view field, std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, DatapathChoice>, 3> choices{
        {{"auto", DatapathChoice::automatic}, {"bpf", DatapathChoice::bpf}, {"packet", DatapathChoice::packet}}};
    return parse_enum(field, text, choices);
}

RxMode parse_rx_mode(std::string_view field, std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, RxMode>, 2> choices{
        {{"make-before-break", RxMode::make_before_break}, {"kernel", RxMode::kernel}}};
    return parse_enum(field, text, choices);
}

PairingKey parse_pairing_key(std::string_view field, std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, PairingKey>, 2> choices{
        {{"mac", PairingKey::mac}, {"id", PairingKey::id}}};
    return parse_enum(field, text, choices);
}

StandbyConfig parse_standby_config(std::string_view field, std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, StandbyConfig>, 2> choices{
        {{"takeover", StandbyConfig::takeover}, {"refuse", StandbyConfig::refuse}}};
    return parse_enum(field, text, choices);
}

unsigned check_announce_count(std::string_view field, long long value) {
    if (value < 0 || value > kMaxAnnounceCount)
        throw ConfigError(field_prefix(field) + std::to_string(value) + " is out of range 0..." +
                          std::to_string(kMaxAnnounceCount));
    return static_cast<unsigned>(value);
}

std::chrono::milliseconds check_announce_interval(std::string_view field, long long value) {
    if (value < 0 || value > kMaxAnnounceInterval.count())
        throw ConfigError(field_prefix(field) + std::to_string(value) + " ms is out of range 0..." +
                          std::to_string(kMaxAnnounceInterval.count()));
    return std::chrono::milliseconds(value);
}

std::chrono::milliseconds check_rx_grace(std::string_view field, long long value) {
    if (value < 0 || value > kMaxRxGrace.count())
        throw ConfigError(field_prefix(field) + std::to_string(value) + " ms is out of range 0..." +
                          std::to_string(kMaxRxGrace.count()));
    return std::chrono::milliseconds(value);
}

std::string check_log_level(std::string_view field, std::string_view text) {
    static constexpr std::array<std::pair<std::string_view, int>, 7> choices{
        {{"trace", 0}, {"debug", 1}, {"info", 2}, {"warn", 3}, {"error", 4}, {"critical", 5}, {"off", 6}}};
    parse_enum(field, text, choices);
    return std::string(text);
}

}  // namespace nf::daemon
