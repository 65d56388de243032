#pragma once
// Two "hosts" (namespaces nfo<pid>-<n>a / -b, each a bridge br0 with taps tap-sb for the standby's backend and
// tap-vf for the VF stand-in) and QEMU processes in them (q35, TCG, no guest OS: firmware only). Everything
// is removed when the fixture ends, also when a test fails. And failover-migrate, run as a user runs it.
#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "qmp/qmp_client.h"

namespace nf::orchestrator::test {

using namespace std::chrono_literals;

inline constexpr const char* kMac = "52:54:00:00:00:01";

struct MigrateRun {
    int status = -1;
    std::string out;  // stdout
    std::string err;  // stderr
    nlohmann::json json() const;  // stdout parsed (for --json runs)
};

// failover-migrate with these arguments, in the test's own namespace; killed after `timeout`.
MigrateRun run_migrate(const std::vector<std::string>& arguments, std::chrono::milliseconds timeout = 60s,
                const std::string& ns = "");
// The same, sending SIGTERM `after` the start (a user's Ctrl-C / a service manager's stop).
MigrateRun run_migrate_terminated(const std::vector<std::string>& arguments, std::chrono::milliseconds after);

struct QemuOptions {
    bool failover = false;         // the standby's failover=
    bool primary = false;          // an e1000e primary0 (netdev hn1 = tap-vf) at start
    bool incoming = false;         // -incoming unix:<dir>/mig.sock
    bool paused = false;           // -S
    bool tcp_qmp = false;          // QMP on tcp:127.0.0.1:<port> instead of a unix socket
};

class QemuHost {
public:
    QemuHost(std::string ns, std::string dir, std::string name);
    ~QemuHost();
    QemuHost(const QemuHost&) = delete;
    QemuHost& operator=(const QemuHost&) = delete;

    void start(const QemuOptions& options);
    std::string qmp_address() const;  // unix:PATH or tcp:127.0.0.1:PORT
    qmp::QmpClient qmp() const;
    std::string log() const;
    const std::string& ns() const { return ns_; }
    std::string migration_uri() const { return "unix:" + dir_ + "/" + name_ + "-mig.sock"; }
    // `fdb:netns=NS,bridge=br0,vf=tap-vf,pv=tap-sb`
    std::string filter() const { return "fdb:netns=" + ns_ + ",bridge=br0,vf=tap-vf,pv=tap-sb"; }
    // Ports (names) of static FDB entries for kMac on br0, with " sticky" appended when sticky.
    std::vector<std::string> static_fdb() const;

private:
    std::string ns_;
    std::string dir_;
    std::string name_;
    pid_t pid_ = -1;
    int tcp_port_ = 0;
};

class QemuPair {
public:
    QemuPair();
    ~QemuPair();
    QemuHost& source() { return *a_; }
    QemuHost& destination() { return *b_; }
    const std::string& dir() const { return dir_; }

private:
    std::string id_;
    std::string dir_;
    std::unique_ptr<QemuHost> a_, b_;
};

// The primary's device_add arguments as the tests give them (e1000e standing in for a VF; romfile="" or
// its option ROM breaks migration on QEMU 7.2).
std::string primary_device_json(const std::string& bus = "root1");
// query-pci or QOM knows the device.
bool device_present(qmp::QmpClient& qmp, const std::string& id);
std::string run_state(qmp::QmpClient& qmp);
// Names of timeline entries of one kind (and status), in time order.
std::vector<std::string> timeline_names(const nlohmann::json& out, const std::string& kind, const std::string& status = "");

}  // namespace nf::orchestrator::test
