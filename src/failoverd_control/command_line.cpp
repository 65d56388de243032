#include "failoverd_control/command_line.h"
#include "failoverd_control/primary_id.h"

#include <CLI/CLI.hpp>

#include <charconv>

#include "common/error.h"
#include "failoverd_control/config_layer.h"

namespace nf::daemon {
namespace {

long long to_integer(std::string_view flag, const std::string& text) {
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size())
        throw ConfigError(std::string(flag) + ": '" + text + "' is not a whole number");
    return value;
}

// Strings straight from CLI11; converted and checked by the same functions the file uses.
struct RawFlags {
    std::string standby, master, model, datapath, rx_mode, rx_grace, announce, announce_interval, pair_by, primary_id,
        standby_config, match_driver, match_name, control, control_group, device_channel, config, log_level;
    bool match_virtio = false, all_matches = false, foreground = false, help = false, version = false, no_standby_ack = false;
};

ConfigLayer to_layer(const RawFlags& f, const CLI::App& app) {
    const auto given = [&app](const char* name) { return app.count(name) > 0; };
    ConfigLayer l;
    if (given("--standby")) {
        check_ifname("--standby", f.standby);
        l.standby.name = f.standby;
    }
    if (given("--match-driver")) {
        if (f.match_driver.empty() || f.match_driver.find('/') != std::string::npos)
            throw ConfigError("--match-driver: '" + f.match_driver + "' is not a driver name");
        l.standby.driver = f.match_driver;
    }
    if (given("--match-name")) {
        if (f.match_name.empty()) throw ConfigError("--match-name: pattern is empty");
        l.standby.name_glob = f.match_name;
    }
    l.standby.virtio_standby_feature = f.match_virtio;
    if (l.standby.name && l.standby.by_rule())
        throw ConfigError("--standby: give a standby name or --match-* rules, not both");
    if (given("--master")) {
        check_ifname("--master", f.master);
        l.master = f.master;
    }
    if (given("--model")) l.model = parse_device_model("--model", f.model);
    if (given("--datapath")) l.datapath = parse_datapath("--datapath", f.datapath);
    if (given("--rx-mode")) l.rx_mode = parse_rx_mode("--rx-mode", f.rx_mode);
    if (given("--rx-grace")) l.rx_grace = check_rx_grace("--rx-grace", to_integer("--rx-grace", f.rx_grace));
    if (given("--announce"))
        l.announce_count = check_announce_count("--announce", to_integer("--announce", f.announce));
    if (given("--announce-interval"))
        l.announce_interval = check_announce_interval(
            "--announce-interval", to_integer("--announce-interval", f.announce_interval));
    if (given("--pair-by")) l.pairing_by = parse_pairing_key("--pair-by", f.pair_by);
    if (given("--primary-id")) l.primary_id = parse_primary_id("--primary-id", f.primary_id).canonical();
    if (given("--standby-config")) l.standby_config = parse_standby_config("--standby-config", f.standby_config);
    if (given("--control")) {
        check_control_path("--control", f.control);
        l.control = f.control;
    }
    if (given("--control-group")) l.control_group = check_group("--control-group", f.control_group);
    if (given("--device-channel")) {
        check_control_path("--device-channel", f.device_channel);
        l.device_channel = f.device_channel;
    }
    if (f.no_standby_ack) l.standby_ack = false;
    if (given("--log-level")) l.log_level = check_log_level("--log-level", f.log_level);
    if (f.foreground) l.foreground = true;
    l.all_matches = f.all_matches;
    return l;
}

}  // namespace

std::string failoverd_version() { return "failoverd (netfailover) " NF_VERSION; }

CommandLine parse_command_line(int argc, const char* const* argv) {
    CLI::App app{"failoverd - userspace network failover for virtual machines", "failoverd"};
    app.set_help_flag();  // our own --help: the complete text below, not CLI11's option list
    RawFlags f;
    app.add_flag("-h,--help", f.help);
    app.add_flag("-V,--version", f.version);
    app.add_option("-s,--standby", f.standby);
    app.add_option("-m,--master", f.master);
    app.add_option("--model", f.model);
    app.add_option("--datapath", f.datapath);
    app.add_option("--rx-mode", f.rx_mode);
    app.add_option("--rx-grace", f.rx_grace);
    app.add_option("--announce", f.announce);
    app.add_option("--announce-interval", f.announce_interval);
    app.add_option("--pair-by", f.pair_by);
    app.add_option("--primary-id", f.primary_id);
    app.add_option("--standby-config", f.standby_config);
    app.add_option("--match-driver", f.match_driver);
    app.add_option("--match-name", f.match_name);
    app.add_flag("--match-virtio-standby", f.match_virtio);
    app.add_flag("--all-matches", f.all_matches);
    app.add_option("-c,--control", f.control);
    app.add_option("--control-group", f.control_group);
    app.add_option("--device-channel", f.device_channel);
    app.add_flag("--no-standby-ack", f.no_standby_ack);
    app.add_option("--config", f.config);
    app.add_option("--log-level", f.log_level);
    app.add_flag("-f,--foreground", f.foreground);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        throw ConfigError(std::string(e.what()) + " (see failoverd --help)");
    }
    if (f.help) return EarlyExit{std::string(failoverd_help())};
    if (f.version) return EarlyExit{failoverd_version() + "\n"};

    const ConfigLayer flags = to_layer(f, app);
    const ConfigLayer file = app.count("--config") ? read_config_file(f.config) : ConfigLayer{};
    return resolve(file, flags);
}

}  // namespace nf::daemon
