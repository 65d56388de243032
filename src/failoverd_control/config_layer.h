#pragma once
// One source of settings (the command line or the JSON file), every field optional. Layers are checked
// field by field as they are read, so an error names the flag or the file field it came from; resolve()
// lays the flags over the file and checks what only the whole picture can tell.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "failoverd_control/daemon_config.h"

namespace nf::daemon {

struct ConfigLayer {
    // The standby selector: a name or rules. A layer that sets any part of it replaces the whole
    // selector of the layer below, so `--standby X` overrides a file's standby_match.
    StandbyMatch standby;
    std::optional<std::string> master;
    std::optional<DeviceModel> model;
    std::optional<DatapathKind> datapath;
    std::optional<RxMode> rx_mode;
    std::optional<std::chrono::milliseconds> rx_grace;
    std::optional<unsigned> announce_count;
    std::optional<std::chrono::milliseconds> announce_interval;
    std::optional<PairingKey> pairing_by;
    std::optional<std::string> primary_id;
    std::optional<StandbyConfig> standby_config;
    std::optional<std::string> control;
    std::optional<std::string> control_group;
    std::optional<std::string> device_channel;
    std::optional<bool> standby_ack;
    std::optional<std::string> log_level;
    std::optional<bool> foreground;
    bool all_matches = false;  // command line only (--all-matches)
};

// Reads a config object. `origin` prefixes every message ("config file /etc/x.json"). Unknown fields,
// wrong types and bad values throw ConfigError naming the field ("announce.count").
ConfigLayer parse_config_json(const nlohmann::json& doc, std::string_view origin);
// Reads and parses a file; unreadable or malformed JSON is a ConfigError naming the file.
ConfigLayer read_config_file(const std::string& path);

// `flags` over `file`, defaults for the rest, then the cross-field checks. Pure.
DaemonConfig resolve(const ConfigLayer& file, const ConfigLayer& flags);

// Field checks shared by both layers. `field` is how the user wrote it: "--standby" or "standby".
void check_ifname(std::string_view field, std::string_view value);
void check_control_path(std::string_view field, std::string_view value);
DeviceModel parse_device_model(std::string_view field, std::string_view text);
DatapathKind parse_datapath(std::string_view field, std::string_view text);
RxMode parse_rx_mode(std::string_view field, std::string_view text);
PairingKey parse_pairing_key(std::string_view field, std::string_view text);
StandbyConfig parse_standby_config(std::string_view field, std::string_view text);
unsigned check_announce_count(std::string_view field, long long value);
std::chrono::milliseconds check_announce_interval(std::string_view field, long long value);
std::chrono::milliseconds check_rx_grace(std::string_view field, long long value);
std::string check_log_level(std::string_view field, std::string_view text);
// A group that exists (name or number); returns it as given.
std::string check_group(std::string_view field, const std::string& name);

}  // namespace nf::daemon
