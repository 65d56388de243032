#include "qemu_pair.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "vmm_fixture.h"

namespace nf::orchestrator::test {

namespace fs = std::filesystem;
using vmm::test::sh;
using vmm::test::sh_ok;

namespace {

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// fork, optionally enter `ns`, send stdout/stderr to files, exec.
pid_t spawn(const std::vector<std::string>& argv, const std::string& ns, const std::string& out, const std::string& err) {
    const pid_t pid = ::fork();
    if (pid != 0) return pid;
    if (!ns.empty()) {
        const int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::setns(fd, CLONE_NEWNET) < 0) ::_exit(126);
    }
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int e = err == out ? o : ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (o < 0 || e < 0) ::_exit(125);
    ::dup2(o, 1);
    ::dup2(e, 2);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
}

std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (r < 0 || std::chrono::steady_clock::now() > deadline) return std::nullopt;
        std::this_thread::sleep_for(10ms);
    }
}

}  // namespace

nlohmann::json MigrateRun::json() const {
    auto j = nlohmann::json::parse(out, nullptr, false);
    if (j.is_discarded()) throw std::runtime_error("failover-migrate printed no JSON:\n" + out + "\nstderr:\n" + err);
    return j;
}

namespace {
MigrateRun run_migrate_with(const std::vector<std::string>& arguments, std::chrono::milliseconds timeout,
                            const std::string& ns, std::optional<std::chrono::milliseconds> terminate_after);
}  // namespace

MigrateRun run_migrate(const std::vector<std::string>& arguments, std::chrono::milliseconds timeout, const std::string& ns) {
    return run_migrate_with(arguments, timeout, ns, std::nullopt);
}

MigrateRun run_migrate_terminated(const std::vector<std::string>& arguments, std::chrono::milliseconds after) {
    return run_migrate_with(arguments, 60s, "", after);
}

namespace {
MigrateRun run_migrate_with(const std::vector<std::string>& arguments, std::chrono::milliseconds timeout,
                            const std::string& ns, std::optional<std::chrono::milliseconds> terminate_after) {
    static std::atomic<int> n{0};
    const std::string base = "/tmp/nfo-run-" + std::to_string(::getpid()) + "-" + std::to_string(n++);
    std::vector<std::string> argv{NF_MIGRATE_BINARY};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    const pid_t pid = spawn(argv, ns, base + ".out", base + ".err");
    if (terminate_after) {
        std::this_thread::sleep_for(*terminate_after);
        ::kill(pid, SIGTERM);
    }
    auto status = wait_exit(pid, timeout);
    if (!status) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
    MigrateRun run{status.value_or(-1), slurp(base + ".out"), slurp(base + ".err")};
    fs::remove(base + ".out");
    fs::remove(base + ".err");
    return run;
}
}  // namespace

// ------------------------------------------------------------------------------------------ QemuHost

QemuHost::QemuHost(std::string ns, std::string dir, std::string name)
    : ns_(std::move(ns)), dir_(std::move(dir)), name_(std::move(name)) {
    const std::string ip = "ip -n " + ns_ + " ";
    sh_ok("ip netns add " + ns_);
    sh_ok(ip + "link set lo up");
    sh_ok(ip + "link add br0 type bridge");
    sh_ok(ip + "link set br0 addrgenmode none");
    sh_ok(ip + "link set br0 up");
    for (const char* tap : {"tap-sb", "tap-vf"}) {
        sh_ok(ip + "tuntap add " + tap + " mode tap");
        sh_ok(ip + "link set " + tap + " addrgenmode none");
        sh_ok(ip + "link set " + tap + " master br0 up");
    }
}

QemuHost::~QemuHost() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
    for (const char* tap : {"tap-sb", "tap-vf"}) sh("ip -n " + ns_ + " link del " + tap + " 2>/dev/null");
    sh("ip netns del " + ns_ + " 2>/dev/null");
}

void QemuHost::start(const QemuOptions& o) {
    std::vector<std::string> argv{
        "qemu-system-x86_64", "-M", "q35", "-accel", "tcg", "-nodefaults", "-nographic", "-display", "none",
        "-m", "64",
        "-device", "pcie-root-port,id=root0,chassis=1,bus=pcie.0,addr=0x2",
        "-device", "pcie-root-port,id=root1,chassis=2,bus=pcie.0,addr=0x3",
        "-netdev", "tap,id=hn0,ifname=tap-sb,script=no,downscript=no,vhost=off",
        "-device", std::string("virtio-net-pci,id=standby0,netdev=hn0,bus=root0,romfile=,mac=") + kMac +
                       ",failover=" + (o.failover ? "on" : "off"),
        "-netdev", "tap,id=hn1,ifname=tap-vf,script=no,downscript=no"};
    if (o.primary) argv.insert(argv.end(), {"-device", primary_device_json()});
    if (o.incoming) argv.insert(argv.end(), {"-incoming", migration_uri()});
    if (o.paused) argv.push_back("-S");
    const std::string qmp_path = dir_ + "/" + name_ + ".qmp";
    if (o.tcp_qmp) {
        tcp_port_ = 4444;  // on the namespace's own loopback: no other user
        argv.insert(argv.end(), {"-qmp", "tcp:127.0.0.1:4444,server=on,wait=off"});
    } else {
        argv.insert(argv.end(), {"-qmp", "unix:" + qmp_path + ",server=on,wait=off"});
    }
    const std::string log_path = dir_ + "/" + name_ + ".log";
    pid_ = spawn(argv, ns_, log_path, log_path);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    for (;;) {
        const bool up = o.tcp_qmp ? sh("ip netns exec " + ns_ + " ss -Hltn 'sport = :4444'").output.find("4444") !=
                                        std::string::npos
                                  : fs::exists(qmp_path);
        if (up) return;
        if (auto st = wait_exit(pid_, 0ms)) {
            pid_ = -1;
            throw std::runtime_error("qemu exited (" + std::to_string(*st) + "):\n" + log());
        }
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("qemu did not start:\n" + log());
        std::this_thread::sleep_for(20ms);
    }
}

std::string QemuHost::qmp_address() const {
    return tcp_port_ ? "tcp:127.0.0.1:" + std::to_string(tcp_port_) : "unix:" + dir_ + "/" + name_ + ".qmp";
}

qmp::QmpClient QemuHost::qmp() const {
    auto client = qmp::QmpClient::connect(dir_ + "/" + name_ + ".qmp");
    client.negotiate();
    return client;
}

std::string QemuHost::log() const { return slurp(dir_ + "/" + name_ + ".log"); }

std::vector<std::string> QemuHost::static_fdb() const {
    std::vector<std::string> out;
    for (const auto& e : nlohmann::json::parse(sh_ok("bridge -n " + ns_ + " -j fdb show br br0"))) {
        if (e.value("mac", "") != kMac || e.value("state", "") != "static") continue;
        bool sticky = false;
        if (e.contains("flags"))
            for (const auto& f : e["flags"]) sticky |= f == "sticky";
        out.push_back(e.value("ifname", "") + (sticky ? " sticky" : ""));
    }
    return out;
}

// ------------------------------------------------------------------------------------------ QemuPair

QemuPair::QemuPair() {
    static std::atomic<int> n{0};
    id_ = "nfo" + std::to_string(::getpid() % 100000) + "-" + std::to_string(n++);
    dir_ = "/tmp/" + id_;
    fs::create_directories(dir_);
    try {
        a_ = std::make_unique<QemuHost>(id_ + "a", dir_, "src");
        b_ = std::make_unique<QemuHost>(id_ + "b", dir_, "dst");
    } catch (...) {
        a_.reset();
        b_.reset();
        sh("ip netns del " + id_ + "a 2>/dev/null; ip netns del " + id_ + "b 2>/dev/null");
        fs::remove_all(dir_);
        throw;
    }
}

QemuPair::~QemuPair() {
    a_.reset();
    b_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

// ------------------------------------------------------------------------------------------ helpers

std::string primary_device_json(const std::string& bus) {
    return nlohmann::json{{"driver", "e1000e"}, {"id", "primary0"}, {"netdev", "hn1"}, {"mac", kMac},
                          {"bus", bus}, {"romfile", ""}, {"failover_pair_id", "standby0"}}
        .dump();
}

bool device_present(qmp::QmpClient& qmp, const std::string& id) {
    if (vmm::test::pci_present(qmp, id)) return true;
    return std::holds_alternative<nlohmann::json>(
        qmp.execute("qom-get", {{"path", "/machine/peripheral/" + id}, {"property", "type"}}));
}

std::string run_state(qmp::QmpClient& qmp) { return qmp.execute_ok("query-status").value("status", ""); }

std::vector<std::string> timeline_names(const nlohmann::json& out, const std::string& kind, const std::string& status) {
    std::vector<std::string> names;
    for (const auto& e : out["timeline"])
        if (e["kind"] == kind && (status.empty() || e.value("status", "") == status)) names.push_back(e["name"]);
    return names;
}

}  // namespace nf::orchestrator::test
