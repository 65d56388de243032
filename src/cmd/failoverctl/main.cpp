// failoverctl: talks to a running failoverd over its control socket (failoverd(8), CONTROL).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/error.h"
#include "failoverd_control/control_client.h"
#include "failoverd_control/control_target.h"
#include "failoverd_control/daemon_config.h"
#include "failoverd_control/status_report.h"

namespace {

using nf::daemon::ControlClient;
using nlohmann::json;

enum : int { kOk = 0, kFailed = 1, kUsage = 2 };

struct Options {
    std::optional<std::string> control;
    std::optional<std::string> master;
    int timeout_ms = 3000;
    bool json_output = false;  // -j/--json: replies and errors as JSON on stdout
    std::string key;
    std::string value;
};

Options* g_options = nullptr;  // for fail(): errors follow -j wherever they are found

// An error: a line on stderr, or with --json {"ok":false,"error":...} on stdout. Returns `status`.
int fail(const std::string& message, int status) {
    if (g_options && g_options->json_output)
        std::cout << json{{"ok", false}, {"error", message}}.dump() << '\n';
    else
        std::cerr << "failoverctl: " << message << '\n';
    return status;
}

std::chrono::milliseconds timeout(const Options& o) { return std::chrono::milliseconds(o.timeout_ms); }

// A reply with "ok": false becomes the error (exit status 1).
bool reply_ok(const json& reply) {
    if (reply.value("ok", false)) return true;
    fail("failoverd: " + reply.value("error", std::string("request failed")), kFailed);
    return false;
}

json status_of(ControlClient& client, const Options& o) {
    const json reply = client.request({{"cmd", "status"}}, timeout(o));
    if (!reply_ok(reply)) return nullptr;
    return reply.value("status", json::object());
}

int status(ControlClient& client, const Options& o) {
    const json s = status_of(client, o);
    if (s.is_null()) return kFailed;
    if (o.json_output)
        std::cout << s.dump(2) << '\n';
    else
        std::cout << nf::daemon::format_status(s);
    return kOk;
}

// `status` with several daemons and none picked: each one's status (failoverd --all-matches runs one per
// pair). Exit 1 when one did not answer; the others are still shown.
int status_all(const std::vector<std::string>& sockets, const Options& o) {
    json pairs = json::array();
    bool all_answered = true;
    for (const auto& path : sockets) {
        json entry = {{"control", path}};
        try {
            auto client = ControlClient::connect(path, timeout(o));
            const json reply = client.request({{"cmd", "status"}}, timeout(o));
            if (!reply.value("ok", false)) throw std::runtime_error(reply.value("error", std::string("request failed")));
            entry["status"] = reply.value("status", json::object());
        } catch (const std::exception& e) {
            entry["error"] = e.what();
            all_answered = false;
        }
        pairs.push_back(std::move(entry));
    }
    if (o.json_output) {
        std::cout << json{{"pairs", pairs}}.dump(2) << '\n';
    } else {
        for (const auto& p : pairs) {
            std::cout << "== " << p.value("control", "") << " ==\n";
            if (p.contains("status"))
                std::cout << nf::daemon::format_status(p["status"]);
            else
                std::cout << "(not answering: " << p.value("error", "") << ")\n";
        }
    }
    return all_answered ? kOk : kFailed;
}

std::string duration_text(long long seconds) {
    std::string out;
    if (seconds >= 86400) out += std::to_string(seconds / 86400) + "d ";
    if (seconds >= 3600) out += std::to_string(seconds / 3600 % 24) + "h ";
    if (seconds >= 60) out += std::to_string(seconds / 60 % 60) + "m ";
    return out + std::to_string(seconds % 60) + "s";
}

// teamdctl's `state`: the status, the settings it runs with, the version and the uptime.
int state(ControlClient& client, const Options& o) {
    const json s = status_of(client, o);
    if (s.is_null()) return kFailed;
    if (o.json_output) {
        std::cout << json{{"state", s}}.dump(2) << '\n';
        return kOk;
    }
    std::cout << nf::daemon::format_status(s);
    std::cout << "settings:\n";
    const json config = s.value("config", json::object());  // items() needs it alive
    for (const auto& [key, value] : config.items())
        std::cout << "  " << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << '\n';
    if (s.contains("standby_config"))
        std::cout << "standby configuration taken over: " << s["standby_config"].value("taken_over", json::array()).dump()
                  << '\n';
    std::cout << "version: " << s.value("version", std::string("?")) << '\n';
    std::cout << "pid: " << s.value("pid", 0) << '\n';
    std::cout << "uptime: " << duration_text(s.value("uptime_s", 0LL)) << '\n';
    return kOk;
}

int config_dump(ControlClient& client, const Options& o) {
    const json s = status_of(client, o);
    if (s.is_null()) return kFailed;
    // The same field names the config file takes: the output can be saved and given to --config.
    std::cout << s.value("config", json::object()).dump(2) << '\n';
    return kOk;
}

int events(ControlClient& client, const Options& o) {
    const json reply = client.request({{"cmd", "events"}}, timeout(o));
    if (!reply_ok(reply)) return kFailed;
    // Ctrl-C ends us through SIGINT's default action; nothing to clean up but the socket, which the
    // kernel closes. Events are JSON lines already, with or without --json.
    while (auto line = client.read_line(std::nullopt)) {
        std::cout << *line << std::endl;   // flushed per event, so pipes see it at once
    }
    return fail("failoverd closed the connection", kFailed);
}

int set(ControlClient& client, const Options& o) {
    const json reply = client.request({{"cmd", "set"}, {"key", o.key}, {"value", o.value}}, timeout(o));
    if (!reply_ok(reply)) return kFailed;
    if (o.json_output)
        std::cout << reply.dump() << '\n';
    else
        std::cout << o.key << " set to " << reply.value(o.key, o.value) << '\n';
    return kOk;
}

int resync(ControlClient& client, const Options& o) {
    const json reply = client.request({{"cmd", "resync"}}, timeout(o));
    if (!reply_ok(reply)) return kFailed;
    if (o.json_output)
        std::cout << reply.dump() << '\n';
    else
        std::cout << "resynced\n";
    return kOk;
}

// Every failoverd with a socket in /run/netfailover or one directory down, and what it says.
int list(const Options& o) {
    json daemons = json::array();
    for (const auto& path : nf::daemon::find_control_sockets(std::string(nf::daemon::kControlDirectory))) {
        json entry = {{"control", path}};
        try {
            auto client = ControlClient::connect(path, timeout(o));
            const json reply = client.request({{"cmd", "status"}}, timeout(o));
            const json s = reply.value("status", json::object());
            entry["answering"] = reply.value("ok", false);
            entry["master"] = s.value("master", "");
            entry["pid"] = s.value("pid", 0);
            entry["active"] = s.value("active", "");
            entry["model"] = s.value("model", "");
            entry["datapath"] = s.value("datapath", "");
        } catch (const std::exception& e) {
            entry["answering"] = false;
            entry["error"] = e.what();
        }
        daemons.push_back(std::move(entry));
    }
    if (o.json_output) {
        std::cout << json{{"daemons", daemons}}.dump(2) << '\n';
        return kOk;
    }
    if (daemons.empty()) std::cout << "no failoverd running (no control socket under " << nf::daemon::kControlDirectory << ")\n";
    for (const auto& d : daemons) {
        if (d.value("answering", false))
            std::cout << d.value("master", "") << "  pid " << d.value("pid", 0) << "  " << d.value("model", "") << "/"
                      << d.value("datapath", "") << "  active " << d.value("active", "") << "  "
                      << d.value("control", "") << '\n';
        else
            std::cout << "(not answering: " << d.value("error", std::string("refused")) << ")  " << d.value("control", "")
                      << '\n';
    }
    return kOk;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"failoverctl - query and steer a running failoverd", "failoverctl"};
    app.footer(
        "Without --control or --master, failoverctl talks to the only failoverd running (the only socket in "
        "/run/netfailover or one directory down); `status` lists every one when there are several (failoverd "
        "--all-matches runs one per pair), other commands then need --master NAME.\nWith -j/--json every reply and every error is JSON on stdout.\n"
        "Exit status: 0 done; 1 failoverd not running, not answering, or refused the request; 2 bad usage.\n"
        "Examples:\n  failoverctl status\n  failoverctl --master ens4 status --json\n  failoverctl state\n"
        "  failoverctl list\n  failoverctl config dump > /etc/netfailover/ens4.json\n  failoverctl events\n"
        "  failoverctl set active primary\n  failoverctl resync\n");
    app.set_version_flag("-V,--version", "failoverctl (netfailover) " NF_VERSION);
    app.require_subcommand(1);
    Options o;
    g_options = &o;
    app.add_option("-c,--control", o.control,
                   "control socket path, or a directory of them (failoverd --all-matches --control DIR; default "
                   "/run/netfailover/<master>.sock)");
    app.add_option("-m,--master", o.master, "the failover master whose daemon to talk to");
    app.add_option("-t,--timeout", o.timeout_ms, "connect and reply timeout in milliseconds")
        ->capture_default_str()
        ->check(CLI::Range(1, 600000));
    app.add_flag("-j,--json", o.json_output, "replies and errors as JSON on stdout (every command)");

    auto* status_cmd = app.add_subcommand("status", "show the master, both slaves, the active slave and counters");
    status_cmd->add_flag("-j,--json", o.json_output, "print the daemon's status object as JSON");
    auto* state_cmd =
        app.add_subcommand("state", "status plus the settings it runs with, its version and uptime (teamdctl state)");
    state_cmd->add_flag("-j,--json", o.json_output, "as JSON");
    auto* config_cmd = app.add_subcommand("config", "config dump: the daemon's settings as a config file (JSON)");
    config_cmd->add_subcommand("dump", "print the settings in the config file's format")->required();
    config_cmd->require_subcommand(1);
    auto* list_cmd = app.add_subcommand("list", "every running failoverd (sockets in /run/netfailover and one level down)");
    list_cmd->add_flag("-j,--json", o.json_output, "as JSON");
    auto* resync_cmd = app.add_subcommand("resync", "dump the links again and bring the failover state up to date (as SIGHUP)");
    auto* events_cmd = app.add_subcommand("events", "print every event as one JSON object per line until Ctrl-C");
    auto* set_cmd = app.add_subcommand("set", "change a setting: set active primary|standby|auto");
    set_cmd->add_option("key", o.key, "the setting: active")->required()->check(CLI::IsMember({"active"}));
    set_cmd->add_option("value", o.value, "primary, standby or auto")
        ->required()
        ->check(CLI::IsMember({"primary", "standby", "auto"}));
    for (auto* cmd : {resync_cmd, events_cmd, set_cmd, config_cmd}) cmd->add_flag("-j,--json", o.json_output, "as JSON");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() != 0 && !app.remaining().empty()) {
            // Name the argument CLI11 could not place (it would report a missing subcommand first).
            return fail("unknown argument " + app.remaining().front() + " (see failoverctl --help)", kUsage);
        }
        if (e.get_exit_code() == 0) return app.exit(e) == 0 ? kOk : kUsage;  // --help, --version
        if (o.json_output) return fail(e.what(), kUsage);
        return app.exit(e) == 0 ? kOk : kUsage;
    }

    if (list_cmd->parsed()) return list(o);

    // --control DIR: the sockets of failoverd --all-matches's pairs; --master picks one of them.
    std::error_code dir_ec;
    const bool control_is_dir = o.control && std::filesystem::is_directory(*o.control, dir_ec);
    const std::string directory = control_is_dir ? *o.control : std::string(nf::daemon::kControlDirectory);
    const std::optional<std::string> control = control_is_dir ? std::nullopt : o.control;
    if (status_cmd->parsed() && !control && !o.master) {
        // A directory given: always the list (one pair or many); the default one: the list when several.
        const auto sockets = nf::daemon::find_control_sockets(directory);
        if (sockets.size() > 1 || (control_is_dir && !sockets.empty())) return status_all(sockets, o);
    }

    std::string path;
    try {
        path = nf::daemon::choose_control_path(control, o.master, directory);
    } catch (const nf::ConfigError& e) {
        return fail(e.what(), o.control || o.master ? kUsage : kFailed);
    }

    try {
        auto client = ControlClient::connect(path, std::chrono::milliseconds(o.timeout_ms));
        if (status_cmd->parsed()) return status(client, o);
        if (state_cmd->parsed()) return state(client, o);
        if (config_cmd->parsed()) return config_dump(client, o);
        if (resync_cmd->parsed()) return resync(client, o);
        if (set_cmd->parsed()) return set(client, o);
        return events(client, o);
    } catch (const std::exception& e) {
        return fail(e.what(), kFailed);
    }
}
