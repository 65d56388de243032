#include "migrate.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/unique_fd.h"

namespace nf::vmtest {
namespace {

using Clock = std::chrono::steady_clock;
using Millis = std::chrono::milliseconds;

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The other name of a pair, so a destination's taps never clash with its source's.
std::string other_tap(const std::string& tap, const char* base) {
    return tap == base ? std::string(base) + "2" : std::string(base);
}

// Waits (bounded) for a child; on the bound SIGTERM (failover-migrate rolls back on it), then SIGKILL.
int wait_child(pid_t pid, Millis timeout, bool& timed_out) {
    int status = 0;
    const auto deadline = Clock::now() + timeout;
    timed_out = false;
    for (;;) {
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (r < 0 && errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
        if (Clock::now() >= deadline) break;
        std::this_thread::sleep_for(Millis(50));
    }
    timed_out = true;
    ::kill(pid, SIGTERM);
    for (int i = 0; i < 800; ++i) {  // 40 s: its own rollback bound is 35 s
        if (::waitpid(pid, &status, WNOHANG) == pid) return -1;
        std::this_thread::sleep_for(Millis(50));
    }
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return -1;
}

MigrationReport run_failover_migrate(QemuVm& source, QemuVm& destination, const HostNet& net, MigrateHow how,
                                     Millis timeout, const std::vector<std::string>& tool_args) {
    MigrationReport report;
    report.how = how;
    std::vector<std::string> args = {failover_migrate_binary(),
                                     "--source", "unix:" + source.tool_qmp_path(),
                                     "--destination", "unix:" + destination.tool_qmp_path(),
                                     "--uri", destination.incoming_uri(),
                                     // A TCG guest on a loaded 2-core machine can take seconds to eject the
                                     // VF or to load the stream: wider bounds than the defaults (10 s).
                                     "--unplug-timeout", "30000", "--plug-timeout", "30000", "--json"};
    if (source.kind() == GuestKind::failoverd) {
        // failover=off: no failover_pair_id to find the pair by, and the destination's VF is ours to plug.
        args.insert(args.end(), {"--standby", "standby", "--primary", "primary", "--primary-device",
                                 source.primary_device().dump()});
    }
    // Explicit, whatever auto would choose: the row says which it is. Host netpass: both standby taps are
    // ports of the test's bridge, in its namespace (one bridge stands for both hosts' switches).
    if (how == MigrateHow::failover_migrate_host_netpass)
        args.insert(args.end(), {"--netpass", "host", "--netpass-source-tap", source.standby_tap(),
                                 "--netpass-destination-tap", destination.standby_tap(), "--netpass-source-netns",
                                 net.netns(), "--netpass-destination-netns", net.netns(), "--source-filter",
                                 "fdb:netns=" + net.netns() + ",bridge=br0,vf=" + source.primary_tap() +
                                     ",pv=" + source.standby_tap()});
    else if (std::find(tool_args.begin(), tool_args.end(), "--netpass") == tool_args.end())
        args.insert(args.end(), {"--netpass", "off"});
    args.insert(args.end(), tool_args.begin(), tool_args.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const std::string out_path = source.run_dir() + "/failover-migrate.json";
    const std::string err_path = source.run_dir() + "/failover-migrate.err";
    UniqueFd out(::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    UniqueFd err(::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!out || !err) throw std::runtime_error("open " + out_path + ": " + std::strerror(errno));

    const auto started = Clock::now();
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::_exit(125);
        ::dup2(out.get(), STDOUT_FILENO);
        ::dup2(err.get(), STDERR_FILENO);
        ::execv(argv[0], argv.data());
        ::_exit(127);
    }
    bool timed_out = false;
    report.exit_code = wait_child(pid, timeout, timed_out);
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    report.errors = slurp(err_path);
    if (timed_out) report.errors += "\n(harness: failover-migrate did not finish within " + std::to_string(timeout.count()) + " ms)";
    if (report.exit_code == 127) throw std::runtime_error("cannot run " + args[0] + ": " + report.errors);
    report.output = nlohmann::json::parse(slurp(out_path), nullptr, false);
    if (report.output.is_discarded()) report.output = nullptr;
    if (report.output.is_object() && report.output.contains("migration"))
        report.downtime_ms = report.output["migration"].value("downtime", -1.0);
    return report;
}

// The kernel doc's order with plain QMP and `bridge`.
MigrationReport run_manual_script(QemuVm& source, QemuVm& destination, const HostNet& net, Millis timeout) {
    MigrationReport report;
    report.how = MigrateHow::manual_script;
    const auto started = Clock::now();
    const auto deadline = started + timeout;
    auto& src = source.qmp();
    auto& dst = destination.qmp();
    // virsh domif-setlink $DOMAIN $TAP up
    src.execute_ok("set_link", {{"name", "standby"}, {"up", true}});
    // bridge fdb del $MAC dev $PF master: the script does not look at the result (the entry may not exist).
    const std::string fdb_del = "bridge -n " + net.netns() + " fdb del " + kGuestMac + " dev " + source.primary_tap() +
                                " master >/dev/null 2>&1";
    if (std::system(fdb_del.c_str()) == -1) throw std::runtime_error("cannot run: " + fdb_del);
    // virsh detach-device $DOMAIN $VF_XML (it waits for DEVICE_DELETED; without that wait a failover=off
    // migration would carry the VF the destination does not have, and fail).
    source.unplug_primary(Millis(30000));
    // virsh migrate --live $DOMAIN qemu+ssh://$REMOTE_HOST/system (returns once the destination runs)
    src.execute_ok("migrate", {{"uri", destination.incoming_uri()}});
    for (std::string status;;) {
        const nlohmann::json q = src.execute_ok("query-migrate");
        status = q.value("status", "");
        if (status == "completed") {
            report.output = q;
            break;
        }
        if (status == "failed" || status == "cancelled")
            throw std::runtime_error("manual script: the migration " + status + ": " + q.dump());
        if (Clock::now() >= deadline) throw std::runtime_error("manual script: the migration is still '" + status + "'");
        std::this_thread::sleep_for(Millis(50));
    }
    for (std::string status;;) {
        status = dst.execute_ok("query-status").value("status", "");
        if (status == "running") break;
        if (status != "inmigrate" || Clock::now() >= deadline)
            throw std::runtime_error("manual script: the destination is '" + status + "' after the migration");
        std::this_thread::sleep_for(Millis(20));
    }
    // virsh attach-device $DOMAIN $VF_XML on the destination
    destination.plug_primary();
    report.exit_code = 0;
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    report.downtime_ms = report.output.value("downtime", -1.0);
    return report;
}

}  // namespace

const char* to_string(MigrateHow how) {
    switch (how) {
        case MigrateHow::failover_migrate: return "failover-migrate";
        case MigrateHow::failover_migrate_host_netpass: return "failover-migrate --netpass host";
        case MigrateHow::manual_script: return "manual script";
    }
    return "?";
}

std::string MigrationReport::describe() const {
    char line[160];
    std::snprintf(line, sizeof line, "%s exit %d in %.2f s (downtime %.0f ms)", to_string(how), exit_code, seconds,
                  downtime_ms);
    std::string text = line;
    if (exit_code != 0) {
        if (output.is_object()) text += ": " + output.value("failed-step", "") + ": " + output.value("error", "");
        if (!errors.empty()) text += "\n" + errors;
    }
    return text;
}

std::string MigrationReport::timeline_text() const {
    if (!output.is_object() || !output.contains("timeline") || !output["timeline"].is_array()) return "";
    std::string text;
    for (const auto& e : output["timeline"]) {
        const std::string kind = e.value("kind", "");
        const std::string status = e.value("status", "");
        if (kind == "step" && status == "begin") continue;
        std::string name = e.value("name", "");
        if (kind == "event" && e.contains("detail") && e["detail"].is_object()) {
            const auto& d = e["detail"];
            if (d.contains("status")) name += "(" + d.value("status", "") + ")";
            if (d.contains("device")) name += "(" + d.value("device", "") + ")";
        }
        char line[200];
        std::snprintf(line, sizeof line, "%8.0f ms %-11s %-7s %s %s\n", e.value("t_ms", 0.0),
                      e.value("side", "").c_str(), kind.c_str(), name.c_str(), status.c_str());
        text += line;
    }
    return text;
}

std::string failover_migrate_binary() {
    const char* path = std::getenv("NF_FAILOVER_MIGRATE");
    return path && *path ? path : NF_FAILOVER_MIGRATE;
}

std::unique_ptr<QemuVm> start_destination(const QemuVm& source, HostNet& net, MigrateHow how) {
    QemuOptions options = source.options();
    options.incoming = true;
    options.standby_tap = other_tap(source.standby_tap(), kStandbyTap);
    options.primary_tap = other_tap(source.primary_tap(), kPrimaryTap);
    options.with_primary = source.kind() == GuestKind::kernel && runs_failover_migrate(how);
    auto destination = std::make_unique<QemuVm>(options);
    net.attach_tap(destination->standby_tap());
    net.attach_tap(destination->primary_tap());
    destination->qmp().execute_ok("migrate-incoming", {{"uri", destination->incoming_uri()}});
    return destination;
}

MigrationReport migrate(QemuVm& source, QemuVm& destination, const HostNet& net, MigrateHow how, Millis timeout,
                        const std::vector<std::string>& tool_args) {
    return runs_failover_migrate(how) ? run_failover_migrate(source, destination, net, how, timeout, tool_args)
                                      : run_manual_script(source, destination, net, timeout);
}

Migrated migrate_vm(QemuVm& source, HostNet& net, MigrateHow how) {
    Migrated m;
    m.destination = start_destination(source, net, how);
    m.report = migrate(source, *m.destination, net, how);
    return m;
}

}  // namespace nf::vmtest
