#include "lab/demo/demo.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <ostream>

#include "common/error.h"
#include "lab/demo/report.h"
#include "lab/timeline/timeline.h"

namespace nf::lab::demo {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) { g_interrupted.store(true); }

// SIGINT/SIGTERM set a flag the scenario polls, so Ctrl-C still tears the lab down; restored afterwards.
class InterruptHandlers {
public:
    InterruptHandlers() {
        g_interrupted.store(false);
        struct sigaction action {};
        action.sa_handler = on_interrupt;
        action.sa_flags = SA_RESTART;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGINT, &action, &old_int_);
        ::sigaction(SIGTERM, &action, &old_term_);
    }
    ~InterruptHandlers() {
        ::sigaction(SIGINT, &old_int_, nullptr);
        ::sigaction(SIGTERM, &old_term_, nullptr);
    }
    InterruptHandlers(const InterruptHandlers&) = delete;
    InterruptHandlers& operator=(const InterruptHandlers&) = delete;

private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) throw SystemError(EIO, "cannot write " + path.string());
}

nlohmann::json options_json(const DemoOptions& o) {
    nlohmann::json variants = nlohmann::json::array();
    for (const auto& v : o.variants) variants.push_back(v.name);
    return {{"prefix", o.config.prefix},
            {"subnet", o.config.subnet.to_string()},
            {"rate", o.scenario.rate},
            {"phase_ms", o.scenario.phase.count()},
            {"port", o.scenario.port},
            {"variants", variants}};
}

}  // namespace

std::string missing_privileges() {
    if (::geteuid() == 0) return {};
    return "the demo must run as root (e.g. `sudo make demo`): it creates network namespaces, bridges, veth and tap "
           "devices, loads tc-BPF programs for failoverd's datapath, opens packet sockets on the host ports and "
           "makes cgroups under the cgroup2 mount for the VM and its VMM";
}

constexpr int kVariantAttempts = 2;

int run_demo(DemoOptions options, std::ostream& out, std::ostream& err) {
    if (const auto missing = missing_privileges(); !missing.empty()) {
        err << "failover-lab demo: " << missing << '\n';
        return kDemoNeedsRoot;
    }
    if (options.variants.empty()) throw ConfigError("--variants: nothing to run");
    std::filesystem::create_directories(options.out_dir);
    std::filesystem::remove(options.out_dir / "timeline.svg");  // this run's, or none
    const InterruptHandlers handlers;
    options.scenario.interrupted = &g_interrupted;

    out << "netfailover demo: orderly unplug and re-plug of " << options.config.vms.front().name << "'s VF under a "
        << options.scenario.rate << " pkt/s stream each way, phases of " << options.scenario.phase.count()
        << " ms; " << options.variants.size() << " variant(s), lab prefix " << options.config.prefix << "\n\n"
        << std::flush;

    std::vector<VariantOutcome> outcomes;
    bool interrupted = false;
    for (const auto& variant : options.variants) {
        VariantOutcome outcome{variant, std::nullopt, {}, {}, {}};
        out << "-- " << variant.name << ": " << variant.description() << " ...\n" << std::flush;
        // A variant whose run fails is tried once more on a fresh lab (on a loaded machine a lab start has
        // been seen to fail, rarely); the first failure is printed and kept in report.json, never hidden.
        for (int attempt = 1; attempt <= kVariantAttempts && !outcome.result && !interrupted; ++attempt) {
            try {
                ScenarioOptions scenario = options.scenario;
                scenario.keep_logs = options.out_dir / "logs" / variant.name;
                outcome.result = run_variant(apply_variant(options.config, variant), variant, scenario);
                outcome.error.clear();
            } catch (const std::exception& e) {
                interrupted = g_interrupted.load();
                outcome.error = interrupted ? "interrupted" : e.what();
                outcome.failed_attempts.push_back(outcome.error);
                err << "failover-lab demo: variant " << variant.name << " (attempt " << attempt << " of "
                    << kVariantAttempts << "): " << outcome.error << '\n';
            }
        }
        if (outcome.result) {
            outcome.svg = "timeline-" + variant.name + ".svg";
            TimelineOptions timeline;
            timeline.title = "netfailover demo: " + variant.name + " (" + variant.description() + ")";
            const auto svg = render_timeline(outcome.result->run, timeline);
            write_file(options.out_dir / outcome.svg, svg);
            if (variant.name == kHeadline) write_file(options.out_dir / "timeline.svg", svg);
            out << '\n' << format_variant(*outcome.result) << '\n' << std::flush;
        }
        outcomes.push_back(std::move(outcome));
        if (interrupted) break;
    }
    // timeline.svg is the headline variant's; without it, the first variant that ran.
    if (!std::filesystem::exists(options.out_dir / "timeline.svg")) {
        for (const auto& o : outcomes)
            if (o.result) {
                std::filesystem::copy_file(options.out_dir / o.svg, options.out_dir / "timeline.svg",
                                           std::filesystem::copy_options::overwrite_existing);
                break;
            }
    }

    const auto report = report_json(outcomes, options_json(options));
    write_file(options.out_dir / "report.json", report.dump(2) + '\n');
    out << '\n' << format_comparison(outcomes) << '\n' << verdict(outcomes).line << '\n'
        << migration_verdict(outcomes).line << "\n\n";
    out << "files: " << (options.out_dir / "report.json").string();
    for (const auto& o : outcomes)
        if (!o.svg.empty()) out << ", " << (options.out_dir / o.svg).string();
    if (std::filesystem::exists(options.out_dir / "timeline.svg")) out << ", " << (options.out_dir / "timeline.svg").string();
    out << '\n' << std::flush;

    if (interrupted) return kDemoInterrupted;
    const bool all_ran = std::all_of(outcomes.begin(), outcomes.end(), [](const auto& o) { return o.result.has_value(); });
    return all_ran ? kDemoOk : kDemoFailed;
}

std::string demo_help_footer() {
    return R"(Scenario (per variant, each on a fresh lab that is torn down afterwards, also on errors and Ctrl-C):
  1. lab up: topology, failover-vmm for the VM, failoverd in the guest; wait until failoverd reports the
     VF (primary) active, i.e. failover was negotiated and the VMM plugged the VF.
  2. a sequenced UDP stream at --rate pkt/s each way between the client and the VM namespace.
  3. phase "primary" (--phase-ms); QMP device_del of the primary (orderly: the guest is asked to eject,
     moves TX to the standby, acks); wait for DEVICE_DELETED; phase "standby only" (from device_del,
     --phase-ms after DEVICE_DELETED); QMP device_add of the primary with the lab's own arguments; wait
     until failoverd reports the primary active; phase "re-plugged" (from device_add, then --phase-ms).
  4. `failover-lab migrate` to the other host (a destination failover-vmm with --incoming, the orchestrator's
     steps over QMP, the source VMM stopped): phase "migrated" (from the migrate command until failoverd
     reports the destination's VF active, then --phase-ms); and back: phase "migrated back".
  Packet sockets on the host's VF bridge port (vf-<vm>) and PV backend port (<vm>-pv) tell which path
  carried each packet (until the first migration); QMP events, the migrations' states (MIGRATION events of
  both VMMs) and failoverd's active-slave changes are marks on the timeline.

Variants (--variants, comma-separated; default
moved-mbb,moved-mbb-trusted-vf,stale-mbb,moved-kernel,moved-mbb-no-netpass,reference):
  moved-mbb     VF filter follows the VF (failover-vmm --vf-filter while-bound) + failoverd
                --rx-mode make-before-break: the headline; target 0 lost both ways on unplug and re-plug
  moved-mbb-trusted-vf  the headline with a "trusted VF": the VF comes up with the kernel's random MAC and
                the id vf0 (the VMM's alias=, the lab config's primary.alias if set); failoverd pairs it by
                --primary-id alias:vf0 and gives it the VM's MAC; same target as the headline
  stale-mbb     the filter stays on the unplugged VF (--vf-filter stale), as QEMU leaves it
  moved-kernel  filter moved, but RX on the standby stops as soon as a primary registers (kernel net_failover)
  stale-kernel  both weaknesses of the reference
  moved-mbb-no-netpass  the headline with netpass off: frames reaching the paused source are dropped
  reference     stale filter + kernel RX + netpass off + no announce-self from the orchestrator: how QEMU
                and the kernel's net_failover migrate (the destination VMM's own RARP still goes out)

Output (in --out DIR):
  timeline-<variant>.svg   every packet's fate over time, per direction and path, with phase/event marks
  timeline.svg             the headline variant's timeline
  logs/<variant>/          the lab's failover-vmm and failoverd logs, copied before its teardown
  report.json              options, per variant: phase x direction analysis, loss on unplug/re-plug,
                           switch times, packets per path, QMP and failoverd events; the target verdict
Migration table (per variant and migration): result, downtime reported by query-migrate vs the network
outage measured (longest gap per direction in that phase), lost each way, netpass kept/injected; then a
comparison across variants and a PASS/MISS line for the migration target (ours: 0 lost both ways, outage
<= 2 x downtime).
Printed: per variant a phase x direction table (sent, delivered, lost, not sent, dup, reordered, p50/p99/max
latency, longest gap, delivered per path), packets seen per host port, switch times (device_del -> guest
active standby, device_add -> guest active primary); then a comparison across variants and a PASS/MISS line.

Exit status: 0 when every variant ran (a MISS is reported, not an error); 1 when a variant failed (the
others still run, the report is still written); 2 bad options; 3 not root; 130 interrupted.
Needs root: network namespaces, bridges, veth/tap devices, tc-BPF, packet sockets, cgroups.)";
}

}  // namespace nf::lab::demo
