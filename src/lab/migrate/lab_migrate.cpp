#include "lab/migrate/lab_migrate.h"

#include <fcntl.h>
#include <sys/file.h>

#include <spdlog/spdlog.h>

#include <sstream>

#include "common/error.h"
#include "common/safe_file.h"
#include "common/unique_fd.h"
#include "lab/topology/command_lines.h"
#include "lab/topology/interrupt.h"
#include "lab/topology/lab.h"
#include "lab/topology/lab_names.h"
#include "lab/topology/readiness.h"
#include "orchestrator/edge/edge.h"
#include "orchestrator/migration_run.h"
#include "os/cgroup.h"

namespace nf::lab {
namespace {

using nlohmann::json;
namespace orch = nf::orchestrator;

// One migration per lab at a time: two would race for the state file and the migration socket. A lock
// file in the run directory, held (flock) for the whole run; the kernel drops it if we die.
UniqueFd lock_migrations(const LabNames& names) {
    const auto path = names.run_dir() / "migrate.lock";
    UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) throw SystemError(errno, "open " + path.string());
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            throw ConfigError("another migration in lab '" + names.prefix() + "' is under way (" + path.string() + ")");
        throw SystemError(errno, "flock " + path.string());
    }
    return fd;
}

std::string joined_names(const auto& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item.name;
    return out;
}

// Everything about the request that can be checked before anything changes.
struct Checked {
    LabState state;
    VmConfig vm;
    Placement from, to;
    ProcessRecord source;
    std::string vmm_binary;
};

Checked check_request(const std::string& prefix, const MigrateOptions& options) {
    validate_prefix(prefix);
    const LabNames names(prefix);
    auto state = load_lab_state(prefix);
    if (!state) throw ConfigError("lab '" + prefix + "' is not up (no " + names.state_file().string() + "); run `failover-lab up` first");
    const auto& config = state->config;
    const auto* vm = config.find_vm(options.vm);
    if (!vm) throw ConfigError("lab '" + prefix + "' has no VM '" + options.vm + "' (VMs: " + joined_names(config.vms) + ")");
    if (!config.find_host(options.to))
        throw ConfigError("lab '" + prefix + "' has no host '" + options.to + "' (hosts: " + joined_names(config.hosts) + ")");
    const auto from = state->placement(*vm);
    if (from.host == options.to) throw ConfigError(vm->name + " already runs on " + options.to);
    if (!config.vmm.start) throw ConfigError("lab '" + prefix + "' starts no VMMs (vmm.start is false): nothing to migrate");
    const auto* source = state->find_process(vmm_process_name(vm->name));
    if (!source || !process_alive(*source))
        throw ConfigError(vm->name + "'s VMM is not running; `failover-lab up` restarts it");
    const auto binary = locate_lab_binary(kVmmBinary, options.binary_dirs);
    if (!binary) throw ConfigError(std::string("'") + kVmmBinary + "' was not found next to failover-lab nor in PATH");
    Placement to{options.to, names.qmp_socket(vm->name, options.to, vm->host)};
    return {std::move(*state), *vm, from, std::move(to), *source, binary->string()};
}

// The destination VMM, recorded in the state file under a name of its own while the migration runs (so
// `down` stops it if we die), and stopped again unless adopted.
class IncomingVmm {
public:
    IncomingVmm(Checked& c, const MigrateOptions& options) : c_(c), names_(c.state.config.prefix) {
        const auto& config = c.state.config;
        const std::string uri = "unix:" + names_.migration_socket(c.vm.name).string();
        const ProcessSpec spec{incoming_vmm_process_name(c.vm.name),
                               vmm_command_line(config, c.vm, c.vmm_binary, os::Cgroup2::mount_point(), {c.to.qmp, uri}),
                               names_.netns(c.to.host), names_.vmm_cgroup(c.vm.name),
                               names_.log_file(vmm_log_name(c.vm, c.to.host))};
        spdlog::info("starting {} on {}: {}", spec.name, c.to.host, fmt::join(spec.argv, " "));
        record_ = spawn_process(spec);
        c_.state.record(record_);
        save_lab_state(c_.state);
        try {
            wait_for_unix_socket(c.to.qmp, options.vmm_ready_timeout, &record_);
        } catch (const SystemError& e) {
            const auto tail = log_tail(record_.log);
            stop();
            throw SystemError(e.errno_value(), std::string("destination VMM on ") + c.to.host + ": " + e.what() +
                                                   (tail.empty() ? "" : "; its log ends with:\n" + tail));
        }
    }
    ~IncomingVmm() {
        try {
            stop();
        } catch (const std::exception& e) {
            spdlog::error("stopping the destination VMM: {}", e.what());
        }
    }
    IncomingVmm(const IncomingVmm&) = delete;
    IncomingVmm& operator=(const IncomingVmm&) = delete;

    // The VM runs here now: it becomes the VM's VMM in the state file, the source's record goes.
    void adopt() {
        c_.state.forget(record_.name);
        record_.name = vmm_process_name(c_.vm.name);
        c_.state.record(record_);
        c_.state.placements[c_.vm.name] = c_.to;
        save_lab_state(c_.state);
        adopted_ = true;
    }

private:
    void stop() {
        if (adopted_ || stopped_) return;
        stopped_ = true;
        stop_process(record_, std::chrono::seconds(3));
        c_.state.forget(record_.name);
        save_lab_state(c_.state);
    }

    Checked& c_;
    LabNames names_;
    ProcessRecord record_;
    bool adopted_ = false;
    bool stopped_ = false;
};

orch::QmpAddress unix_address(const std::filesystem::path& path) {
    return orch::parse_qmp_address("unix:" + path.string());
}

}  // namespace

bool MigrateReport::runs_on_destination() const {
    return result.status == orch::RunStatus::Migrated || result.status == orch::RunStatus::FailedAfterSwitch;
}

MigrateReport lab_migrate(const std::string& prefix, const MigrateOptions& options) {
    validate_prefix(prefix);
    const LabNames names(prefix);
    if (!std::filesystem::exists(names.state_file()))
        throw ConfigError("lab '" + prefix + "' is not up (no " + names.state_file().string() + "); run `failover-lab up` first");
    const auto lock = lock_migrations(names);
    Checked c = check_request(prefix, options);
    // A destination left by a migration that died: stopped before a new one starts.
    if (const auto* stale = c.state.find_process(incoming_vmm_process_name(c.vm.name))) {
        stop_process(*stale, std::chrono::seconds(3));
        c.state.forget(stale->name);
        save_lab_state(c.state);
    }

    const InterruptScope interrupts;  // Ctrl-C cancels the run (the orchestrator undoes its steps)
    IncomingVmm destination_vmm(c, options);
    orch::edge::QmpVmm source(unix_address(c.from.qmp), options.qmp_timeout, options.qmp_timeout);
    orch::edge::QmpVmm destination(unix_address(c.to.qmp), options.qmp_timeout, options.qmp_timeout);

    orch::MigrateRequest request;
    request.uri = "unix:" + names.migration_socket(c.vm.name).string();
    request.standby = c.vm.standby.id;
    request.primary = c.vm.primary.id;
    request.mac = c.vm.mac.to_string();
    request.bounds = options.bounds;
    request.netpass = options.netpass ? orch::NetpassMode::Auto : orch::NetpassMode::Off;
    request.announce.enabled = options.announce;
    // No host filters for the orchestrator to move: each VMM moves its VF's filter itself, by the lab's
    // vf_filter policy (moved: off the VF while it leaves, on the destination's once the guest binds it;
    // stale: left on the source's VF, as QEMU leaves it), exactly as in the unplug demo.
    orch::edge::SystemClock clock;
    orch::MigrationRun run({source, destination, nullptr, nullptr, clock}, request);
    run.cancel_requested = [] { return interrupt_signal() != 0; };

    MigrateReport report{c.vm.name, c.from, c.to, run.run(), {}};
    report.timeline = run.timeline().to_json();
    if (report.runs_on_destination()) {
        // The destination's own figures (netpass injected) beside the source's.
        try {
            const auto reply = destination.execute("query-migrate", json::object());
            if (reply.ok) report.result.migration_stats["destination"] = reply.value;
        } catch (const std::exception& e) {
            report.result.warnings.push_back(std::string("destination query-migrate: ") + e.what());
        }
        destination_vmm.adopt();
        // The source holds nothing of the guest any more (postmigrate): quit it.
        stop_process(c.source, options.source_quit_grace);
        spdlog::info("{} runs on {} (QMP {})", c.vm.name, c.to.host, c.to.qmp.string());
    }
    return report;
}

int exit_code(const MigrateReport& report) { return report.result.status == orch::RunStatus::Migrated ? 0 : 1; }

json to_json(const MigrateReport& report) {
    const auto& r = report.result;
    const auto placement = [](const Placement& p) { return json{{"host", p.host}, {"qmp", p.qmp.string()}}; };
    json out{{"vm", report.vm},
             {"from", placement(report.from)},
             {"to", placement(report.to)},
             {"result", orch::to_string(r.status)},
             {"exit", exit_code(report)},
             {"host", report.runs_on_destination() ? report.to.host : report.from.host}};
    if (!r.failed_step.empty()) out["failed-step"] = r.failed_step;
    if (!r.error.empty()) out["error"] = r.error;
    if (!r.rollback_errors.empty()) out["rollback-errors"] = r.rollback_errors;
    if (!r.warnings.empty()) out["warnings"] = r.warnings;
    if (!r.migration_stats.empty()) out["migration"] = r.migration_stats;
    out["timeline"] = report.timeline;
    return out;
}

std::string to_text(const MigrateReport& report) {
    const auto& r = report.result;
    std::ostringstream out;
    const std::string route = report.vm + ": " + report.from.host + " -> " + report.to.host;
    switch (r.status) {
        case orch::RunStatus::Migrated: {
            const auto& m = r.migration_stats;
            out << route << ": migrated";
            if (m.contains("total-time")) out << ", total " << m["total-time"] << " ms";
            if (m.contains("downtime")) out << ", downtime " << m["downtime"] << " ms";
            if (m.contains("x-netfailover") && m["x-netfailover"].contains("netpass")) {
                const auto& np = m["x-netfailover"]["netpass"];
                if (np.value("enabled", false)) {
                    out << ", netpass kept " << np.value("kept", 0);
                    if (m.contains("destination")) {
                        const auto& dn = m["destination"].value("x-netfailover", json::object());
                        out << " injected " << dn.value("netpass", json::object()).value("injected", 0);
                    }
                } else {
                    out << ", netpass off";
                }
            }
            out << "\n  qmp " << report.to.qmp.string() << "\n";
            break;
        }
        case orch::RunStatus::FailedAfterSwitch:
            out << route << ": step '" << r.failed_step << "' failed after the switch: " << r.error << "\n  "
                << report.vm << " runs on " << report.to.host << " without its VF (qmp " << report.to.qmp.string() << ")\n";
            break;
        default:
            out << route << ": " << orch::to_string(r.status) << " at step '" << r.failed_step << "': " << r.error << "\n  "
                << report.vm << " still runs on " << report.from.host << "\n";
            for (const auto& e : r.rollback_errors) out << "  undo failed: " << e << "\n";
            break;
    }
    for (const auto& w : r.warnings) out << "  warning: " << w << "\n";
    return out.str();
}

}  // namespace nf::lab
