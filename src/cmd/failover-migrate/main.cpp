// failover-migrate: one live migration of one VM with a VF (src/orchestrator), from the command line.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <memory>

#include "common/mac_address.h"
#include "help.h"
#include "orchestrator/edge/edge.h"
#include "orchestrator/edge/netpass_halves.h"
#include "orchestrator/orchestrator.h"

namespace {

using namespace nf::orchestrator;
using nlohmann::json;

constexpr int kExitUsage = 2;

std::atomic<bool> g_cancel{false};
extern "C" void on_signal(int) { g_cancel.store(true); }

struct CommandLine {
    std::string source, destination;
    MigrateRequest request;
    std::string primary_device, standby, primary, mac, source_filter, destination_filter;
    long unplug_ms = 10000, migrate_ms = 600000, plug_ms = 10000, rollback_ms = 35000;
    long connect_ms = 5000, command_ms = 5000;
    bool no_announce = false, json_out = false, dry_run = false;
    std::string netpass = "auto";
    edge::NetpassHalvesConfig netpass_halves;
    int announce_rounds = 5;
    long link_down_settle_ms = -1;  // -1: not given, the primary-link-down step is skipped
};

// failover-netpass from the directory failover-migrate runs from (installed together), else from PATH.
std::string sibling_netpass() {
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto next = self.parent_path() / "failover-netpass";
        if (std::filesystem::exists(next, ec)) return nf::netpass::edge::HelperProcess::quote(next.string());
    }
    return "failover-netpass";
}

// nullopt after --help or --version (answered on stdout).
std::optional<CommandLine> parse(int argc, char** argv) {
    CommandLine c;
    bool help = false;
    CLI::App app{"failover-migrate"};
    app.set_help_flag();  // ours teaches the steps; CLI11's generated one cannot
    app.add_flag("-h,--help", help);
    app.add_option("--source", c.source);
    app.add_option("--destination", c.destination);
    app.add_option("--uri", c.request.uri);
    app.add_option("--standby", c.standby);
    app.add_option("--primary", c.primary);
    app.add_option("--primary-device", c.primary_device);
    app.add_option("--mac", c.mac);
    app.add_option("--source-filter", c.source_filter);
    app.add_option("--destination-filter", c.destination_filter);
    app.add_option("--link-down-settle", c.link_down_settle_ms)->check(CLI::Range(0L, 10000L));
    app.add_option("--unplug-timeout", c.unplug_ms)->check(CLI::Range(1L, 3600000L));
    app.add_option("--migrate-timeout", c.migrate_ms)->check(CLI::Range(1L, 86400000L));
    app.add_option("--plug-timeout", c.plug_ms)->check(CLI::Range(1L, 3600000L));
    app.add_option("--rollback-timeout", c.rollback_ms)->check(CLI::Range(1L, 3600000L));
    app.add_option("--connect-timeout", c.connect_ms)->check(CLI::Range(1L, 600000L));
    app.add_option("--command-timeout", c.command_ms)->check(CLI::Range(1L, 600000L));
    app.add_flag("--no-announce", c.no_announce);
    app.add_option("--announce-rounds", c.announce_rounds)->check(CLI::Range(1, 100));
    app.add_option("--netpass", c.netpass);
    app.add_option("--netpass-source-tap", c.netpass_halves.source_tap);
    app.add_option("--netpass-destination-tap", c.netpass_halves.destination_tap);
    app.add_option("--netpass-source-netns", c.netpass_halves.source_netns);
    app.add_option("--netpass-destination-netns", c.netpass_halves.destination_netns);
    app.add_option("--netpass-source-cmd", c.netpass_halves.source_command);
    app.add_option("--netpass-destination-cmd", c.netpass_halves.destination_command);
    app.add_option("--netpass-listen", c.netpass_halves.listen);
    app.add_option("--netpass-peer", c.netpass_halves.peer_host);
    app.add_flag("--json", c.json_out);
    app.add_flag("--dry-run", c.dry_run);
    app.set_version_flag("--version", "failover-migrate (netfailover) " NF_VERSION);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForVersion& e) {
        std::cout << e.what() << '\n';
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        throw std::invalid_argument(e.what());
    }
    if (help) {
        std::cout << migrate_help_text();
        return std::nullopt;
    }
    for (auto [value, name] : {std::pair{&c.source, "--source"}, std::pair{&c.destination, "--destination"},
                               std::pair{&c.request.uri, "--uri"}})
        if (value->empty()) throw std::invalid_argument(std::string(name) + " is required");
    if (!c.standby.empty()) c.request.standby = c.standby;
    if (!c.primary.empty()) c.request.primary = c.primary;
    if (!c.mac.empty()) {
        if (!nf::MacAddress::parse(c.mac)) throw std::invalid_argument("--mac " + c.mac + ": not a MAC address");
        c.request.mac = c.mac;
    }
    if (!c.primary_device.empty()) {
        json pd = json::parse(c.primary_device, nullptr, false);
        if (pd.is_discarded()) throw std::invalid_argument("--primary-device: not JSON: " + c.primary_device);
        if (auto problem = primary_device_problem(pd); !problem.empty())
            throw std::invalid_argument("--primary-device " + problem);
        c.request.primary_device = std::move(pd);
    }
    const auto mode = parse_netpass_mode(c.netpass);
    if (!mode) throw std::invalid_argument("--netpass " + c.netpass + ": one of off, host, vmm, auto");
    c.request.netpass = *mode;
    const bool src_tap = !c.netpass_halves.source_tap.empty(), dst_tap = !c.netpass_halves.destination_tap.empty();
    if (src_tap != dst_tap)
        throw std::invalid_argument("--netpass-source-tap and --netpass-destination-tap go together");
    if (c.netpass_halves.listen.rfind(':') == std::string::npos)
        throw std::invalid_argument("--netpass-listen " + c.netpass_halves.listen + ": not HOST:PORT");
    // The helper installed next to us, unless a hook command was given.
    const auto sibling = sibling_netpass();
    if (c.netpass_halves.source_command == "failover-netpass") c.netpass_halves.source_command = sibling;
    if (c.netpass_halves.destination_command == "failover-netpass") c.netpass_halves.destination_command = sibling;
    auto& b = c.request.bounds;
    b.unplug = Millis(c.unplug_ms);
    if (c.link_down_settle_ms >= 0) b.link_down_settle = Millis(c.link_down_settle_ms);
    b.migrate = Millis(c.migrate_ms);
    b.plug = Millis(c.plug_ms);
    b.rollback = Millis(c.rollback_ms);
    c.request.announce.enabled = !c.no_announce;
    c.request.announce.rounds = c.announce_rounds;
    return c;
}

json result_json(const RunResult& r, const MigrationRun& run, bool dry_run) {
    json out{{"result", dry_run && r.status == RunStatus::Migrated ? "planned" : to_string(r.status)},
             {"exit", exit_code(r.status)}};
    if (!r.failed_step.empty()) out["failed-step"] = r.failed_step;
    if (!r.error.empty()) out["error"] = r.error;
    if (!r.rollback_errors.empty()) out["rollback-errors"] = r.rollback_errors;
    if (!r.warnings.empty()) out["warnings"] = r.warnings;
    if (r.pairing)
        out["pair"] = {{"standby", r.pairing->standby},
                       {"primary", r.pairing->primary},
                       {"failover", r.pairing->failover},
                       {"primary-on-source", r.pairing->primary_on_source},
                       {"mac", r.pairing->mac}};
    if (dry_run && r.pairing) {
        out["plan"] = json::array();
        for (const auto& s : run.plan())
            out["plan"].push_back({{"step", s.name}, {"side", to_string(s.side)}, {"action", s.action}, {"undo", s.undo}});
    }
    if (!r.migration_stats.empty()) out["migration"] = r.migration_stats;
    if (r.pairing) out["netpass"] = {{"mode", to_string(r.pairing->netpass)}};
    if (!r.netpass.is_null() && !r.netpass.empty()) out["netpass"] = r.netpass;
    out["timeline"] = run.timeline().to_json();
    return out;
}

void print_summary(const RunResult& r) {
    switch (r.status) {
        case RunStatus::Migrated: {
            std::cout << "migrated: " << r.pairing->standby << " + " << r.pairing->primary
                      << " run on the destination";
            const auto& m = r.migration_stats;
            if (m.contains("total-time")) std::cout << " (total " << m["total-time"] << " ms";
            if (m.contains("downtime")) std::cout << ", downtime " << m["downtime"] << " ms";
            if (m.contains("total-time")) std::cout << ")";
            std::cout << "\n";
            if (const auto& n = r.netpass; n.is_object() && n.contains("kept"))
                std::cout << "netpass (host): kept " << n["kept"] << " (recovered " << n["recovered"] << "), injected "
                          << n["injected"] << ", forwarded " << n["forwarded"] << ", held " << n["held"]
                          << ", dropped " << n["dropped"] << "\n";
            break;
        }
        case RunStatus::Refused:
            std::cerr << "failover-migrate: refused: " << r.error << " (nothing was changed)\n";
            break;
        case RunStatus::RolledBack:
            std::cerr << "failover-migrate: step '" << r.failed_step << "' failed: " << r.error
                      << "\nrolled back: the VM runs on the source as before\n";
            break;
        case RunStatus::RollbackIncomplete:
            std::cerr << "failover-migrate: step '" << r.failed_step << "' failed: " << r.error
                      << "\nrollback incomplete:\n";
            for (const auto& e : r.rollback_errors) std::cerr << "  " << e << "\n";
            break;
        case RunStatus::FailedAfterSwitch:
            std::cerr << "failover-migrate: step '" << r.failed_step << "' failed: " << r.error
                      << "\nthe VM already runs on the destination (no way back); it has no VF there\n";
            break;
    }
    for (const auto& w : r.warnings) std::cerr << "failover-migrate: warning: " << w << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::optional<CommandLine> cl;
    try {
        cl = parse(argc, argv);
        if (!cl) return 0;  // --help or --version answered
    } catch (const std::exception& e) {
        std::cerr << "failover-migrate: " << e.what() << " (see failover-migrate --help)\n";
        return kExitUsage;
    }
    std::unique_ptr<HostFilter> source_filter, destination_filter;
    try {
        if (!cl->source_filter.empty()) source_filter = edge::make_filter(parse_filter_spec(cl->source_filter));
        if (!cl->destination_filter.empty())
            destination_filter = edge::make_filter(parse_filter_spec(cl->destination_filter));
    } catch (const std::exception& e) {
        std::cerr << "failover-migrate: filter: " << e.what() << " (see failover-migrate --help)\n";
        return kExitUsage;
    }
    QmpAddress source_address, destination_address;
    try {
        source_address = parse_qmp_address(cl->source);
        destination_address = parse_qmp_address(cl->destination);
    } catch (const std::exception& e) {
        std::cerr << "failover-migrate: " << e.what() << " (see failover-migrate --help)\n";
        return kExitUsage;
    }

    struct sigaction sa{};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    ::signal(SIGPIPE, SIG_IGN);  // a VMM that hangs up is an error reply, not our death

    std::optional<edge::QmpVmm> source, destination;
    try {
        source.emplace(source_address, Millis(cl->connect_ms), Millis(cl->command_ms));
        destination.emplace(destination_address, Millis(cl->connect_ms), Millis(cl->command_ms));
    } catch (const std::exception& e) {
        if (cl->json_out)
            std::cout << json{{"result", "refused"}, {"exit", 3}, {"failed-step", "preflight"}, {"error", e.what()}}.dump(2)
                      << "\n";
        else
            std::cerr << "failover-migrate: refused: " << e.what() << " (nothing was changed)\n";
        return exit_code(RunStatus::Refused);
    }

    std::optional<edge::NetpassHalves> netpass;
    if (!cl->netpass_halves.source_tap.empty() && cl->request.netpass != NetpassMode::Off &&
        cl->request.netpass != NetpassMode::Vmm)
        netpass.emplace(cl->netpass_halves);
    edge::SystemClock clock;
    MigrationRun run({*source, *destination, source_filter.get(), destination_filter.get(), clock,
                      netpass ? &*netpass : nullptr},
                     cl->request);
    run.cancel_requested = [] { return g_cancel.load(); };
    const bool terminal = !cl->json_out && ::isatty(STDERR_FILENO);
    bool progress_shown = false;
    if (terminal)
        run.progress = [&](const std::string& line) {
            std::cerr << "\r\033[K" << line << std::flush;
            progress_shown = true;
        };

    RunResult result;
    try {
        result = cl->dry_run ? run.preflight() : run.run();
    } catch (const std::exception& e) {
        // Not expected (the run turns every failure into a result), but a crash must not hide what was done.
        std::cerr << "failover-migrate: internal error: " << e.what() << "\n";
        return exit_code(RunStatus::RollbackIncomplete);
    }
    if (progress_shown) std::cerr << "\n";
    if (cl->json_out) {
        std::cout << result_json(result, run, cl->dry_run).dump(2) << "\n";
    } else if (cl->dry_run && result.status == RunStatus::Migrated) {
        std::cout << run.plan_text();
    } else {
        print_summary(result);
    }
    return exit_code(result.status);
}
