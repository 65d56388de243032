// Field checks: each names the field as the user wrote it and, for enums, lists what is allowed.
#include <sys/un.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "common/enum_words.h"
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

[[noreturn]] void throw_not_one_of(std::string_view field, std::string_view text, const std::vector<std::string_view>& words) {
    std::string allowed;
    for (const auto word : words) allowed += (allowed.empty() ? "" : ", ") + std::string(word);
    throw ConfigError(field_prefix(field) + "'" + std::string(text) + "' is not one of " + allowed);
}

// The words are the enum's own to_string's (one spelling for parse, print and the state file).
template <typename Enum, std::size_t N>
Enum parse_words(std::string_view field, std::string_view text, const std::array<Enum, N>& values) {
    if (const auto v = from_string(text, values)) return *v;
    std::vector<std::string_view> words;
    for (Enum v : values) words.push_back(to_string(v));
    throw_not_one_of(field, text, words);
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
    return parse_words(field, text, datapath::kDeviceModels);
}

DatapathKind parse_datapath(std::string_view field, std::string_view text) {
    return parse_words(field, text, datapath::kDatapathKinds);
}

RxMode parse_rx_mode(std::string_view field, std::string_view text) {
    return parse_words(field, text, std::array{RxMode::make_before_break, RxMode::kernel});
}

PairingKey parse_pairing_key(std::string_view field, std::string_view text) {
    return parse_words(field, text, std::array{PairingKey::mac, PairingKey::id});
}

StandbyConfig parse_standby_config(std::string_view field, std::string_view text) {
    return parse_words(field, text, std::array{StandbyConfig::takeover, StandbyConfig::refuse});
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
    // spdlog's level names.
    const std::vector<std::string_view> levels{"trace", "debug", "info", "warn", "error", "critical", "off"};
    if (std::find(levels.begin(), levels.end(), text) == levels.end()) throw_not_one_of(field, text, levels);
    return std::string(text);
}

}  // namespace nf::daemon
