// failoverctl: talks to a running failoverd over its control socket (failoverd(8), CONTROL).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "common/error.h"
#include "daemon/control_client.h"
#include "daemon/control_target.h"
#include "daemon/daemon_config.h"
#include "daemon/status_report.h"

namespace {

using nf::daemon::ControlClient;
using nlohmann::json;

enum : int { kOk = 0, kFailed = 1, kUsage = 2 };

struct Options {
    std::optional<std::string> control;
    std::optional<std::string> master;
    int timeout_ms = 3000;
    bool json_output = false;
    std::string key;
    std::string value;
};

// A reply with "ok": false becomes the error message on stderr and exit status 1.
bool reply_ok(const json& reply) {
    if (reply.value("ok", false)) return true;
    std::cerr << "failoverctl: failoverd: " << reply.value("error", std::string("request failed")) << '\n';
    return false;
}

int status(ControlClient& client, const Options& o) {
    const json reply = client.request({{"cmd", "status"}}, std::chrono::milliseconds(o.timeout_ms));
    if (!reply_ok(reply)) return kFailed;
    const json status = reply.value("status", json::object());
    if (o.json_output)
        std::cout << status.dump(2) << '\n';
    else
        std::cout << nf::daemon::format_status(status);
    return kOk;
}

int events(ControlClient& client, const Options& o) {
    const json reply = client.request({{"cmd", "events"}}, std::chrono::milliseconds(o.timeout_ms));
    if (!reply_ok(reply)) return kFailed;
    // Ctrl-C ends us through SIGINT's default action; nothing to clean up but the socket, which the
    // kernel closes.
    while (auto line = client.read_line(std::nullopt)) {
        std::cout << *line << std::endl;   // flushed per event, so pipes see it at once
    }
    std::cerr << "failoverctl: failoverd closed the connection\n";
    return kFailed;
}

int set(ControlClient& client, const Options& o) {
    const json reply =
        client.request({{"cmd", "set"}, {"key", o.key}, {"value", o.value}}, std::chrono::milliseconds(o.timeout_ms));
    if (!reply_ok(reply)) return kFailed;
    std::cout << o.key << " set to " << reply.value(o.key, o.value) << '\n';
    return kOk;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"failoverctl - query and steer a running failoverd", "failoverctl"};
    app.footer(
        "Without --control or --master, failoverctl talks to the only failoverd running (the only socket in "
        "/run/netfailover).\nExit status: 0 done; 1 failoverd not running, not answering, or refused the "
        "request; 2 bad usage.\nExamples:\n  failoverctl status\n  failoverctl --master ens4 status --json\n"
        "  failoverctl events\n  failoverctl set active primary\n");
    app.set_version_flag("-V,--version", "failoverctl (netfailover) " NF_VERSION);
    app.require_subcommand(1);
    Options o;
    app.add_option("-c,--control", o.control, "control socket path (default /run/netfailover/<master>.sock)");
    app.add_option("-m,--master", o.master, "the failover master whose daemon to talk to");
    app.add_option("-t,--timeout", o.timeout_ms, "connect and reply timeout in milliseconds")
        ->capture_default_str()
        ->check(CLI::Range(1, 600000));

    auto* status_cmd = app.add_subcommand("status", "show the master, both slaves, the active slave and counters");
    status_cmd->add_flag("-j,--json", o.json_output, "print the daemon's status object as JSON");
    app.add_subcommand("events", "print every event as one JSON object per line until Ctrl-C");
    auto* set_cmd = app.add_subcommand("set", "change a setting: set active primary|standby|auto");
    set_cmd->add_option("key", o.key, "the setting: active")->required()->check(CLI::IsMember({"active"}));
    set_cmd->add_option("value", o.value, "primary, standby or auto")
        ->required()
        ->check(CLI::IsMember({"primary", "standby", "auto"}));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() != 0 && !app.remaining().empty()) {
            // Name the argument CLI11 could not place (it would report a missing subcommand first).
            std::cerr << "failoverctl: unknown argument " << app.remaining().front() << " (see failoverctl --help)\n";
            return kUsage;
        }
        return app.exit(e) == 0 ? kOk : kUsage;
    }

    std::string path;
    try {
        path = nf::daemon::choose_control_path(o.control, o.master, std::string(nf::daemon::kControlDirectory));
    } catch (const nf::ConfigError& e) {
        std::cerr << "failoverctl: " << e.what() << '\n';
        return o.control || o.master ? kUsage : kFailed;
    }

    try {
        auto client = ControlClient::connect(path, std::chrono::milliseconds(o.timeout_ms));
        if (status_cmd->parsed()) return status(client, o);
        if (set_cmd->parsed()) return set(client, o);
        return events(client, o);
    } catch (const std::exception& e) {
        std::cerr << "failoverctl: " << e.what() << '\n';
        return kFailed;
    }
}
