// failover-lab: builds, shows and removes the lab (src/lab/topology). One function per subcommand below;
// a new subcommand (demo, run <scenario>) is one more register_* function added to kCommands.
#include <CLI/CLI.hpp>

#include <functional>
#include <iostream>

#include "common/error.h"
#include "common/log.h"
#include "lab/migrate/lab_migrate.h"
#include "lab/topology/lab.h"
#include "demo_command.h"
#include "lab_help.h"

namespace nf::lab::cli {
namespace {

enum ExitStatus : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2 };

// Where a lab's config comes from on the command line: --config FILE, else --prefix P, else the default.
struct LabSelection {
    std::string config_file;
    std::string prefix;

    void add_to(CLI::App& command, bool with_prefix) {
        auto* config = command.add_option("--config", config_file, "lab config (JSON); default: the built-in lab")
                           ->check(CLI::ExistingFile);
        if (with_prefix)
            command.add_option("--prefix", prefix, "lab prefix (namespaces <prefix>-*); default: nfl")
                ->excludes(config);
    }
    LabConfig config() const { return config_file.empty() ? default_lab_config() : load_lab_config(config_file); }
    std::string resolved_prefix() const {
        if (!prefix.empty()) return prefix;
        return config().prefix;
    }
};

// A registered subcommand: CLI11 fills its options, `run` acts on them once parsing is done.
struct Command {
    CLI::App* app;
    std::function<int()> run;
};

Command register_up(CLI::App& app) {
    auto* command = app.add_subcommand("up", "build the lab and start its VMMs and guests (harmless when up)");
    auto selection = std::make_shared<LabSelection>();
    selection->add_to(*command, false);
    return {command, [selection] {
        const auto config = selection->config();
        lab_up(config);
        std::cout << to_text(lab_status(config.prefix));
        return kExitOk;
    }};
}

Command register_down(CLI::App& app) {
    auto* command = app.add_subcommand(
        "down", "stop the lab's processes, remove its namespaces, cgroups and run files (harmless when down)");
    auto selection = std::make_shared<LabSelection>();
    selection->add_to(*command, true);
    return {command, [selection] {
        const auto prefix = selection->resolved_prefix();
        const auto report = lab_down(prefix);
        if (report.nothing_to_do()) {
            std::cout << "lab '" << prefix << "': nothing to remove\n";
        } else {
            std::cout << "lab '" << prefix << "' removed: " << report.processes.size() << " process(es) stopped, "
                      << report.cgroups.size() << " cgroup(s), " << report.namespaces.size() << " namespace(s)\n";
        }
        return kExitOk;
    }};
}

Command register_status(CLI::App& app) {
    auto* command = app.add_subcommand("status", "show the lab: namespaces, addresses, QMP sockets, processes");
    auto selection = std::make_shared<LabSelection>();
    selection->add_to(*command, true);
    auto as_json = std::make_shared<bool>(false);
    command->add_flag("--json", *as_json, "machine-readable: hosts, vms (ip, mac, qmp, standby_id, primary_id), alive flags");
    return {command, [selection, as_json] {
        const auto status = lab_status(selection->resolved_prefix());
        if (*as_json)
            std::cout << to_json(status).dump(2) << '\n';
        else
            std::cout << to_text(status);
        return kExitOk;
    }};
}

Command register_config(CLI::App& app) {
    auto* command = app.add_subcommand("config", "print the effective config as JSON (the default lab without --config)");
    auto selection = std::make_shared<LabSelection>();
    selection->add_to(*command, false);
    return {command, [selection] {
        std::cout << to_json(selection->config()).dump(2) << '\n';
        return kExitOk;
    }};
}

Command register_migrate(CLI::App& app) {
    auto* command = app.add_subcommand(
        "migrate", "live-migrate a VM to another host over QMP (failover-migrate's steps; exit 0 migrated, 1 failed and "
                   "undone, 2 bad input: nothing changed)");
    auto selection = std::make_shared<LabSelection>();
    selection->add_to(*command, true);
    auto options = std::make_shared<MigrateOptions>();
    auto as_json = std::make_shared<bool>(false);
    auto no_netpass = std::make_shared<bool>(false);
    command->add_option("vm", options->vm, "the VM (a name in the lab's config)")->required();
    command->add_option("--to", options->to, "the destination host (a name in the lab's config)")->required();
    command->add_flag("--no-netpass", *no_netpass,
                      "leave the netpass capability off: frames reaching the paused source are dropped, not passed on");
    command->add_flag("--json", *as_json,
                      "machine-readable: result, from/to host and QMP socket, query-migrate of both VMMs, the timeline");
    return {command, [selection, options, as_json, no_netpass] {
        options->netpass = !*no_netpass;
        const auto report = lab_migrate(selection->resolved_prefix(), *options);
        if (*as_json)
            std::cout << to_json(report).dump(2) << '\n';
        else
            std::cout << to_text(report);
        return exit_code(report);
    }};
}

// ---- Subcommands. Add demo/run here: a register_* function returning its Command. ------------------
const std::vector<Command (*)(CLI::App&)> kCommands = {register_up, register_down, register_status, register_config,
    register_migrate,
    [](CLI::App& app) -> Command { auto demo = register_demo_command(app); return {demo.app, demo.run}; }};

int run(int argc, char** argv) {
    CLI::App app(kLabDescription, "failover-lab");
    app.footer(kLabFooter);
    app.require_subcommand(1);
    app.set_version_flag("--version", "failover-lab (netfailover) " NF_VERSION);
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error, off")->capture_default_str();

    std::vector<Command> commands;
    for (const auto& add : kCommands) commands.push_back(add(app));
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() != 0 && !app.remaining().empty()) {
            // Name the argument CLI11 could not place (it would report a missing subcommand first).
            std::cerr << "failover-lab: unknown argument " << app.remaining().front() << " (see failover-lab --help)\n";
            return kExitUsage;
        }
        return app.exit(e) == 0 ? kExitOk : kExitUsage;
    }
    try {
        init_logging("failover-lab", log_level);
        for (const auto& command : commands)
            if (command.app->parsed()) return command.run();
        return kExitUsage;
    } catch (const ConfigError& e) {
        std::cerr << "failover-lab: " << e.what() << '\n';
        return kExitUsage;
    } catch (const std::exception& e) {
        std::cerr << "failover-lab: " << e.what() << '\n';
        return kExitFailure;
    }
}

}  // namespace
}  // namespace nf::lab::cli

int main(int argc, char** argv) { return nf::lab::cli::run(argc, argv); }
