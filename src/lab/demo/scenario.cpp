#include "lab/demo/scenario.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>

#include "common/error.h"
#include "failoverd_control/control_client.h"
#include "lab/demo/path_tap.h"
#include "lab/demo/probe.h"
#include "lab/migrate/lab_migrate.h"
#include "lab/topology/lab.h"
#include "lab/topology/lab_names.h"
#include "lab/traffic/clock.h"
#include "lab/traffic/receiver.h"
#include "lab/traffic/recorder.h"
#include "lab/traffic/sender.h"
#include "os/netns.h"
#include "qmp/qmp_client.h"

namespace nf::lab::demo {
namespace {

using Clock = std::chrono::steady_clock;

// Takes the lab down when the scenario ends, however it ends.
class LabGuard {
public:
    LabGuard(std::string prefix, std::filesystem::path keep_logs)
        : prefix_(std::move(prefix)), keep_logs_(std::move(keep_logs)) {}
    ~LabGuard() {
        if (!keep_logs_.empty()) {
            // The VMM's and failoverd's logs outlive the lab (its run directory goes with it).
            std::error_code ec;
            std::filesystem::remove_all(keep_logs_, ec);
            std::filesystem::create_directories(keep_logs_, ec);
            if (!ec)
                std::filesystem::copy(LabNames(prefix_).logs_dir(), keep_logs_,
                                      std::filesystem::copy_options::recursive |
                                          std::filesystem::copy_options::overwrite_existing,
                                      ec);
            if (ec) spdlog::warn("keeping the logs of lab '{}' in {}: {}", prefix_, keep_logs_.string(), ec.message());
        }
        try {
            lab_down(prefix_);
        } catch (const std::exception& e) {
            spdlog::error("tearing down lab '{}': {}", prefix_, e.what());
        }
    }
    LabGuard(const LabGuard&) = delete;
    LabGuard& operator=(const LabGuard&) = delete;

private:
    std::string prefix_;
    std::filesystem::path keep_logs_;
};

// A thread whose exception is kept for the owner instead of terminating the process. Stopped and joined
// on destruction.
class Worker {
public:
    explicit Worker(std::function<void(std::stop_token)> body)
        : thread_([this, body = std::move(body)](std::stop_token stop) {
              try {
                  body(stop);
              } catch (...) {
                  std::lock_guard lock(mutex_);
                  error_ = std::current_exception();
              }
          }) {}
    void stop_and_join() {
        thread_.request_stop();
        if (thread_.joinable()) thread_.join();
    }
    void rethrow() {
        std::lock_guard lock(mutex_);
        if (error_) std::rethrow_exception(error_);
    }

private:
    std::mutex mutex_;
    std::exception_ptr error_;
    std::jthread thread_;  // last: started after the members it uses exist
};

struct Context {
    const LabConfig& config;
    const VmConfig& vm;
    const ScenarioOptions& options;
    LabNames names;

    void check_interrupted() const {
        if (options.interrupted && options.interrupted->load()) throw Interrupted();
    }
    // Sleeps `duration`, waking every 20 ms to notice Ctrl-C.
    void sleep(Millis duration) const {
        const auto until = Clock::now() + duration;
        while (Clock::now() < until) {
            check_interrupted();
            std::this_thread::sleep_for(std::min<Clock::duration>(Millis(20), until - Clock::now()));
        }
    }
    // "...; failover-vmm's log ends with: ...; failoverd's log ends with: ..."
    std::string logs() const {
        std::string out;
        for (const auto& [what, file] : {std::pair{"failover-vmm", names.log_file("vmm-" + vm.name)},
                                         std::pair{"failoverd", names.log_file("guest-" + vm.name)}}) {
            const auto tail = log_tail(file, 8);
            out += std::string("\n  ") + what + " (" + file.string() + ")" +
                   (tail.empty() ? " logged nothing" : " log ends with:\n" + tail);
        }
        return out;
    }
};

std::int64_t wall_minus_monotonic_ns() {
    const auto wall = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
    return wall - monotonic_ns();
}

TimedEvent timed(const qmp::QmpEvent& event, std::int64_t wall_offset_ns) {
    const std::int64_t wall_ns = event.seconds * 1'000'000'000 + event.microseconds * 1'000;
    return {wall_ns - wall_offset_ns, event.name, event.data};
}

// failoverd's `events` stream, collected by a background thread.
class GuestEvents {
public:
    explicit GuestEvents(const std::string& control)
        : client_(daemon::ControlClient::connect(control, Millis(2000))) {
        const auto reply = client_.request({{"cmd", "events"}}, Millis(2000));
        if (!reply.value("ok", false)) throw SystemError(EPROTO, "failoverd refused `events`: " + reply.dump());
        worker_.emplace([this](std::stop_token stop) { read(stop); });
    }
    ~GuestEvents() { stop(); }
    GuestEvents(const GuestEvents&) = delete;
    GuestEvents& operator=(const GuestEvents&) = delete;

    void stop() {
        if (worker_) worker_->stop_and_join();
    }
    std::vector<TimedEvent> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    // The first active-changed to `active` at or after `since_ns`.
    std::optional<std::int64_t> active_changed(const std::string& active, std::int64_t since_ns) const {
        std::lock_guard lock(mutex_);
        for (const auto& e : events_)
            if (e.name == "active-changed" && e.data.value("active", "") == active && e.time_ns >= since_ns)
                return e.time_ns;
        return std::nullopt;
    }

private:
    void read(std::stop_token stop) {
        while (!stop.stop_requested()) {
            std::optional<std::string> line;
            try {
                line = client_.read_line(Millis(50));
            } catch (const SystemError& e) {
                if (e.errno_value() == ETIMEDOUT) continue;
                throw;
            }
            if (!line) return;  // failoverd went away; the scenario notices on its own
            auto json = nlohmann::json::parse(*line, nullptr, false);
            if (!json.is_object() || !json.contains("event")) continue;
            const std::int64_t at = json.contains("monotonic_us") ? json["monotonic_us"].get<std::int64_t>() * 1000
                                                                   : monotonic_ns();
            std::lock_guard lock(mutex_);
            events_.push_back({at, json["event"].get<std::string>(), json});
        }
    }

    daemon::ControlClient client_;
    mutable std::mutex mutex_;
    std::vector<TimedEvent> events_;
    std::optional<Worker> worker_;
};

std::string guest_active(daemon::ControlClient& control) {
    const auto reply = control.request({{"cmd", "status"}}, Millis(2000));
    if (!reply.value("ok", false)) throw SystemError(EPROTO, "failoverd status: " + reply.dump());
    return reply["status"].value("active", "");
}

// Polls failoverd until it reports `active` (its effective TX slave), within `timeout`.
void wait_guest_active(const Context& ctx, daemon::ControlClient& control, const std::string& active, Millis timeout,
                       const std::string& what) {
    const auto deadline = Clock::now() + timeout;
    std::string last;
    for (;;) {
        ctx.check_interrupted();
        last = guest_active(control);
        if (last == active) return;
        if (Clock::now() >= deadline) break;
        std::this_thread::sleep_for(Millis(10));
    }
    throw ScenarioError(what + ": failoverd in " + ctx.names.netns(ctx.vm.name) + " did not report active " +
                                     active + " within " + std::to_string(timeout.count()) + " ms (it says '" + last +
                                     "')" + ctx.logs());
}

nlohmann::json primary_device_add_arguments(const VmConfig& vm) {
    // The same properties as the lab's --device for the primary (command_lines.cpp).
    nlohmann::json args = {{"driver", vm.primary.driver},   {"id", vm.primary.id},
                           {"host", LabNames::vf_netdev(vm.name)}, {"failover_pair_id", vm.standby.id},
                           {"bus", vm.primary.bus},         {"ifname", vm.primary.ifname}};
    if (!vm.primary.alias.empty()) args["alias"] = vm.primary.alias;
    return args;
}

UdpAddress udp_address(const std::string& ip, std::uint16_t port) {
    return UdpAddress::parse(ip + ":" + std::to_string(port));
}

// Sockets are made inside the namespace and keep working from any thread afterwards.
struct Endpoint {
    UniqueFd rx, tx;
};
Endpoint open_endpoint(const std::string& netns, const std::string& ip, std::uint16_t port) {
    const os::NetnsScope scope(os::Netns::open_named(netns));
    const UdpAddress bind = udp_address(ip, port);
    return {open_udp_socket(&bind), open_udp_socket(nullptr)};
}

// One `failover-lab migrate` (the library) of the scenario's VM to `to`, as a phase of the stream; done when
// failoverd has made the destination's VF active.
template <class Mark>
MigrationResult migrate_once(const Context& ctx, const Variant& variant, const std::string& phase,
                             const std::string& to, daemon::ControlClient& control, Mark& mark) {
    MigrationResult m;
    m.phase = phase;
    m.to = to;
    MigrateOptions options;
    options.vm = ctx.vm.name;
    options.to = to;
    options.netpass = variant.netpass;
    options.announce = variant.announce;
    options.binary_dirs = ctx.options.binary_dirs;
    spdlog::info("[{}] migrate {} to {}", variant.name, ctx.vm.name, to);
    m.start_ns = monotonic_ns();
    mark(m.start_ns, phase, MarkKind::Phase);
    mark(m.start_ns, "migrate", MarkKind::Event);
    const MigrateReport report = lab_migrate(ctx.config.prefix, options);
    m.end_ns = monotonic_ns();
    m.from = report.from.host;
    m.status = orchestrator::to_string(report.result.status);
    m.error = report.result.error;
    m.report = to_json(report);
    const auto& stats = report.result.migration_stats;
    if (stats.contains("downtime")) m.downtime_ms = stats["downtime"].get<std::int64_t>();
    if (stats.contains("total-time")) m.total_ms = stats["total-time"].get<std::int64_t>();
    const auto netpass = stats.value("x-netfailover", nlohmann::json::object()).value("netpass", nlohmann::json::object());
    m.netpass = netpass.value("enabled", false);
    m.netpass_kept = netpass.value("kept", std::uint64_t{0});
    m.netpass_dropped = netpass.value("dropped", std::uint64_t{0});
    m.netpass_injected = stats.value("destination", nlohmann::json::object())
                             .value("x-netfailover", nlohmann::json::object())
                             .value("netpass", nlohmann::json::object())
                             .value("injected", std::uint64_t{0});
    if (report.result.status == orchestrator::RunStatus::Migrated) {
        wait_guest_active(ctx, control, "primary", ctx.options.replug_timeout, "after the migration to " + to);
        m.guest_primary_ns = monotonic_ns();
    }
    return m;
}

bool lab_present(const std::string& prefix) {
    return std::filesystem::exists(LabNames(prefix).run_dir()) || !lab_namespaces(prefix).empty() ||
           !lab_cgroups(prefix).empty();
}

}  // namespace

VariantResult run_variant(const LabConfig& config, const Variant& variant, const ScenarioOptions& options) {
    if (config.vms.empty() || config.clients.empty())
        throw ConfigError("the demo needs a lab with at least one VM and one client");
    const VmConfig& vm = config.vms.front();
    const ClientConfig& client = config.clients.front();
    const Context ctx{config, vm, options, LabNames(config.prefix)};
    if (lab_present(config.prefix))
        throw ConfigError("a lab with prefix '" + config.prefix + "' exists already; the demo builds its own. Run " +
                          "`failover-lab down --prefix " + config.prefix + "` first, or give --config with another prefix");

    VariantResult result;
    result.variant = variant;
    result.prefix = config.prefix;

    const LabGuard guard(config.prefix, options.keep_logs);
    UpOptions up;
    up.binary_dirs = options.binary_dirs;
    spdlog::info("[{}] lab '{}' up", variant.name, config.prefix);
    lab_up(config, up);
    ctx.check_interrupted();

    // The guest must have negotiated and the VMM plugged the VF, which failoverd then made active.
    auto qmp = qmp::QmpClient::connect(ctx.names.qmp_socket(vm.name).string(), Millis(5000));
    qmp.negotiate();
    auto control = daemon::ControlClient::connect(ctx.names.failoverd_control(vm.name).string(), Millis(2000));
    wait_guest_active(ctx, control, "primary", options.ready_timeout,
                      "waiting for the guest to negotiate failover and the VF '" + vm.primary.id + "' to be plugged");
    GuestEvents guest_events(ctx.names.failoverd_control(vm.name).string());
    const std::int64_t wall_offset = wall_minus_monotonic_ns();
    result.wall_minus_monotonic_ns = wall_offset;

    // The stream: one recorder for both directions, path taps on the host's VF port and PV backend port.
    const double budget_s = 5.0 * static_cast<double>(options.phase.count()) / 1000.0 +
                            static_cast<double>((options.unplug_timeout + 3 * options.replug_timeout).count()) / 1000.0 + 5.0;
    const std::size_t capacity = log_capacity_for(options.rate, budget_s);
    Recorder recorder({.capacity_per_stream = capacity, .max_streams = 4});
    const StreamKey c2v{1, Direction::ClientToVm}, v2c{2, Direction::VmToClient};
    recorder.expect_stream(c2v);
    recorder.expect_stream(v2c);
    const std::string host_netns = ctx.names.netns(vm.host);
    const std::string vf_port = LabNames::vf_port(vm.name), pv_port = vm.name + "-pv";
    PathTap vf_tap(recorder, host_netns, vf_port, "vf", options.port);
    PathTap pv_tap(recorder, host_netns, pv_port, "pv", options.port);

    // The path works both ways and ARP is resolved before the first phase (probes on port + 1).
    probe_both_ways({ctx.names.netns(client.name), client.ip.address}, {ctx.names.netns(vm.name), vm.ip.address},
                    static_cast<std::uint16_t>(options.port + 1), Millis(5000));
    auto client_end = open_endpoint(ctx.names.netns(client.name), client.ip.address, options.port);
    auto vm_end = open_endpoint(ctx.names.netns(vm.name), vm.ip.address, options.port);
    Receiver client_rx(recorder, std::move(client_end.rx));
    Receiver vm_rx(recorder, std::move(vm_end.rx));
    const auto sender_config = [&](const StreamKey& key, const std::string& to_ip) {
        SenderConfig s;
        s.to = udp_address(to_ip, options.port);
        s.rate = options.rate;
        s.stream_id = key.stream_id;
        s.direction = key.direction;
        s.max_packets = capacity;
        return s;
    };
    Sender client_tx(sender_config(c2v, vm.ip.address), std::move(client_end.tx));
    Sender vm_tx(sender_config(v2c, client.ip.address), std::move(vm_end.tx));

    std::vector<Mark> marks;
    const auto mark = [&](std::int64_t at, std::string label, MarkKind kind) { marks.push_back({at, std::move(label), kind}); };
    {
        // Receivers and taps first, senders last; stopped in the reverse order (senders, drain, the rest).
        Worker rx_client([&](std::stop_token s) { client_rx.run(s); });
        Worker rx_vm([&](std::stop_token s) { vm_rx.run(s); });
        Worker tap_vf([&](std::stop_token s) { vf_tap.run(s); });
        Worker tap_pv([&](std::stop_token s) { pv_tap.run(s); });
        std::optional<Worker> tx_client, tx_vm;
        const auto check_workers = [&] {
            for (Worker* w : {&rx_client, &rx_vm, &tap_vf, &tap_pv}) w->rethrow();
            if (tx_client) tx_client->rethrow();
            if (tx_vm) tx_vm->rethrow();
        };
        const auto stop_senders = [&] {
            if (tx_client) tx_client->stop_and_join();
            if (tx_vm) tx_vm->stop_and_join();
        };
        try {
            mark(monotonic_ns(), kPhasePrimary, MarkKind::Phase);
            tx_client.emplace([&](std::stop_token s) { client_tx.run(s); });
            tx_vm.emplace([&](std::stop_token s) { vm_tx.run(s); });
            ctx.sleep(options.phase);
            check_workers();

            // Orderly unplug: the guest is asked to eject, moves TX to the standby and acks.
            spdlog::info("[{}] device_del {}", variant.name, vm.primary.id);
            result.switches.device_del_ns = monotonic_ns();
            mark(result.switches.device_del_ns, kPhaseStandbyOnly, MarkKind::Phase);
            mark(result.switches.device_del_ns, "device_del", MarkKind::Event);
            qmp.execute_ok("device_del", {{"id", vm.primary.id}});
            std::optional<qmp::QmpEvent> deleted;
            const auto unplug_deadline = Clock::now() + options.unplug_timeout;
            while (!deleted && Clock::now() < unplug_deadline) {
                ctx.check_interrupted();
                deleted = qmp.wait_event("DEVICE_DELETED", Millis(50));
            }
            if (!deleted)
                throw ScenarioError("no DEVICE_DELETED for '" + vm.primary.id + "' within " +
                                                 std::to_string(options.unplug_timeout.count()) +
                                                 " ms of device_del (did the guest ack the eject?)" + ctx.logs());
            result.qmp_events.push_back(timed(*deleted, wall_offset));
            result.switches.device_deleted_ns = result.qmp_events.back().time_ns;
            ctx.sleep(options.phase);
            check_workers();

            // Re-plug with the lab's own arguments; done when failoverd has made the VF active again.
            spdlog::info("[{}] device_add {}", variant.name, vm.primary.id);
            result.switches.device_add_ns = monotonic_ns();
            mark(result.switches.device_add_ns, kPhaseReplugged, MarkKind::Phase);
            mark(result.switches.device_add_ns, "device_add", MarkKind::Event);
            qmp.execute_ok("device_add", primary_device_add_arguments(vm));
            wait_guest_active(ctx, control, "primary", options.replug_timeout,
                              "after device_add of '" + vm.primary.id + "'");
            ctx.sleep(options.phase);
            check_workers();

            if (options.migrate) {
                // The taps watch the source host's ports, and the migration deletes its PV port.
                tap_vf.stop_and_join();
                tap_pv.stop_and_join();
                tap_vf.rethrow();
                tap_pv.rethrow();
                // The source VMM goes away with the migration: what its QMP said until now is kept.
                for (const auto& event : qmp.take_events()) result.qmp_events.push_back(timed(event, wall_offset));
                const auto other = std::find_if(config.hosts.begin(), config.hosts.end(),
                                                [&](const HostConfig& h) { return h.name != vm.host; });
                if (other == config.hosts.end()) throw ConfigError("the demo's migration needs a lab with two hosts");
                for (const auto& [phase, to] : {std::pair{kPhaseMigrated, other->name}, std::pair{kPhaseMigratedBack, vm.host}}) {
                    MigrationResult m = migrate_once(ctx, variant, phase, to, control, mark);
                    spdlog::info("[{}] {} -> {}: {}", variant.name, m.from, m.to, m.status);
                    const bool ok = m.status == "migrated";
                    const std::string error = m.error;
                    result.migrations.push_back(std::move(m));
                    if (!ok) throw ScenarioError("migration to " + to + " failed: " + error + ctx.logs());
                    ctx.sleep(options.phase);
                    check_workers();
                }
            }
        } catch (...) {
            stop_senders();
            throw;
        }
        stop_senders();
        std::this_thread::sleep_for(options.drain);
        for (Worker* w : {&rx_client, &rx_vm, &tap_vf, &tap_pv}) w->stop_and_join();
        check_workers();
    }
    guest_events.stop();

    // Whatever else QMP said meanwhile (already read, or arriving now); after the migrations both VMMs'
    // events are in their timelines instead.
    if (result.migrations.empty()) {
        (void)qmp.wait_event("NF-DEMO-NO-SUCH-EVENT", Millis(50));
        for (const auto& event : qmp.take_events()) result.qmp_events.push_back(timed(event, wall_offset));
    }
    std::sort(result.qmp_events.begin(), result.qmp_events.end(),
              [](const TimedEvent& a, const TimedEvent& b) { return a.time_ns < b.time_ns; });
    result.guest_events = guest_events.events();

    result.switches.guest_standby_ns = guest_events.active_changed("standby", result.switches.device_del_ns);
    result.switches.guest_primary_ns = guest_events.active_changed("primary", result.switches.device_add_ns);

    // Only what happened while the stream ran goes on the time line (it starts at the first phase).
    const std::int64_t start_ns = marks.front().time_ns;
    for (const auto& e : result.qmp_events)
        if (e.time_ns >= start_ns) mark(e.time_ns, e.name, MarkKind::Event);
    // The migrations' states: MIGRATION status changes, STOP and RESUME of both VMMs (QMP's own stamps).
    for (const auto& m : result.migrations)
        for (const auto& entry : m.report.value("timeline", nlohmann::json::array())) {
            if (entry.value("kind", "") != "event") continue;
            const std::string name = entry.value("name", "");
            const std::string side = entry.value("side", "") == "source" ? "src " : "dst ";
            const std::int64_t at = entry.value("wall_us", std::int64_t{0}) * 1000 - wall_offset;
            if (name == "MIGRATION")
                mark(at, side + entry["detail"].value("status", "?"), MarkKind::Event);
            else if (name == "STOP" || name == "RESUME" || name == "FAILOVER_NEGOTIATED")
                mark(at, side + name, MarkKind::Event);
        }
    for (const auto& e : result.guest_events)
        if (e.name == "active-changed" && e.time_ns >= start_ns)
            mark(e.time_ns, "guest active " + e.data.value("active", "?"), MarkKind::Event);
    std::stable_sort(marks.begin(), marks.end(), [](const Mark& a, const Mark& b) { return a.time_ns < b.time_ns; });

    result.run.streams = {make_trace(c2v, client_tx.log(), recorder), make_trace(v2c, vm_tx.log(), recorder)};
    result.run.path_labels = recorder.path_labels();
    result.run.marks = std::move(marks);
    result.analysis = analyze(result.run);
    for (const PathTap* tap : {&vf_tap, &pv_tap})
        result.paths.push_back({tap->label(), tap == &vf_tap ? vf_port : pv_port,
                                {tap->seen(Direction::ClientToVm), tap->seen(Direction::VmToClient)}});
    spdlog::info("[{}] lab '{}' down", variant.name, config.prefix);
    return result;  // the guard takes the lab down
}

}  // namespace nf::lab::demo
