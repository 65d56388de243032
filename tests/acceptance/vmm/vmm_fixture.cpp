#include "vmm_fixture.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "os/cgroup.h"

namespace nf::vmm::test {

namespace fs = std::filesystem;

CommandResult sh(const std::string& command) {
    CommandResult result;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) throw std::runtime_error("popen failed: " + command);
    std::array<char, 4096> buf{};
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) result.output.append(buf.data(), n);
    const int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

std::string sh_ok(const std::string& command) {
    auto result = sh(command);
    if (result.status != 0)
        throw std::runtime_error("`" + command + "` failed (" + std::to_string(result.status) + "): " + result.output);
    return result.output;
}

namespace {
std::string next_id() {
    static std::atomic<int> counter{0};
    return "nfv" + std::to_string(::getpid() % 100000) + "-" + std::to_string(counter++);
}
}  // namespace

VmmLab::VmmLab() : id_(next_id()), host_ns_(id_ + "h"), guest_ns_(id_ + "g") {
    dir_ = "/tmp/" + id_;
    fs::create_directories(dir_);
    try {
        const std::string h = "ip -n " + host_ns_ + " ";
        sh_ok("ip netns add " + host_ns_);
        sh_ok("ip netns add " + guest_ns_);
        sh_ok(h + "link set lo up");
        sh_ok("ip -n " + guest_ns_ + " link set lo up");
        sh_ok(h + "link add br0 type bridge");
        sh_ok(h + "link set br0 up");
        sh_ok(h + "addr add " + kHostIp + "/24 dev br0");
        for (const auto& [vf, mac] : {std::pair{"vf-vm1", kVmMac}, std::pair{"vf-vm1b", kVmMac2}}) {
            sh_ok(h + "link add " + vf + " type veth peer name " + vf + "g address " + mac);
            sh_ok(h + "link set " + vf + " master br0");
            sh_ok(h + "link set " + vf + " up");
        }
        cgroup_rel_ = id_;
        auto group = os::Cgroup2::create(cgroup_rel_);
        cgroup_path_ = group.path().string();
        sleeper_ = ::fork();
        if (sleeper_ == 0) {
            ::execlp("sleep", "sleep", "600", static_cast<char*>(nullptr));
            ::_exit(127);
        }
        group.add_pid(sleeper_);
    } catch (...) {
        cleanup();
        throw;
    }
}

VmmLab::~VmmLab() { cleanup(); }

void VmmLab::cleanup() {
    if (sleeper_ > 0) {
        try {
            auto group = os::Cgroup2::open(cgroup_rel_);
            group.thaw();
        } catch (...) {
        }
        ::kill(sleeper_, SIGKILL);
        ::waitpid(sleeper_, nullptr, 0);
        sleeper_ = -1;
    }
    if (!cgroup_rel_.empty()) {
        try {
            os::Cgroup2::open(cgroup_rel_).remove();
        } catch (...) {
        }
    }
    sh("ip netns del " + guest_ns_ + " 2>/dev/null");
    sh("ip netns del " + host_ns_ + " 2>/dev/null");
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

std::optional<nlohmann::json> VmmLab::link(const std::string& ns, const std::string& name) const {
    const auto result = sh("ip -n " + ns + " -j -d link show dev " + name);
    if (result.status != 0) return std::nullopt;
    const auto list = nlohmann::json::parse(result.output, nullptr, false);
    if (!list.is_array() || list.empty()) return std::nullopt;
    return list[0];
}

std::vector<std::string> VmmLab::link_names(const std::string& ns) const {
    std::vector<std::string> names;
    for (const auto& l : nlohmann::json::parse(sh_ok("ip -n " + ns + " -j link show"))) names.push_back(l["ifname"]);
    return names;
}

bool VmmLab::wait_guest_link(const std::string& name, bool present, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (in_guest(name) == present) return true;
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(20ms);
    }
}

std::vector<std::string> VmmLab::static_fdb_ports(const std::string& mac) const {
    std::vector<std::string> ports;
    for (const auto& e : nlohmann::json::parse(sh_ok("bridge -n " + host_ns_ + " -j fdb show br br0"))) {
        if (e.value("mac", "") != mac) continue;
        if (e.contains("state") && e["state"].is_string() && e["state"].get<std::string>() == "static")
            ports.push_back(e.value("ifname", ""));
    }
    return ports;
}

bool VmmLab::cgroup_frozen() const {
    std::ifstream in(cgroup_path_ + "/cgroup.events");
    std::string key, value;
    while (in >> key >> value)
        if (key == "frozen") return value == "1";
    return false;
}

std::vector<std::string> base_arguments(const VmmLab& lab, const std::string& vf_filter) {
    return {"--name", "vm1",
            "--qmp", lab.qmp_path(),
            "--channel", lab.channel_path(),
            "--guest-netns", lab.guest_ns(),
            "--cgroup", lab.cgroup_path(),
            "--vf-filter", vf_filter,
            "--netdev", "bridge,id=hn0,br=br0"};
}

std::string standby_device(const std::string& extra) {
    return std::string("virtio-net-pci,id=standby0,netdev=hn0,mac=") + kVmMac + ",failover=on,bus=root0,ifname=eth0" +
           extra;
}

std::string primary_device(const std::string& extra) {
    return "vfio-pci,id=primary0,host=vf-vm1g,failover_pair_id=standby0,bus=root1,ifname=ens4" + extra;
}

namespace {
// fork + setns into the host namespace + exec, output to `log`.
pid_t spawn(const VmmLab& lab, const std::vector<std::string>& arguments, const std::string& log) {
    const pid_t pid = ::fork();
    if (pid != 0) return pid;
    const int ns = ::open(("/run/netns/" + lab.host_ns()).c_str(), O_RDONLY | O_CLOEXEC);
    if (ns < 0 || ::setns(ns, CLONE_NEWNET) < 0) ::_exit(126);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out >= 0) {
        ::dup2(out, 1);
        ::dup2(out, 2);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    std::vector<char*> argv;
    static std::string binary = NF_VMM_BINARY;
    argv.push_back(binary.data());
    for (const auto& a : arguments) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// waitpid with a deadline; the exit status, -1 for a signal, nullopt on timeout.
std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (r < 0) return -1;
        if (std::chrono::steady_clock::now() > deadline) return std::nullopt;
        std::this_thread::sleep_for(10ms);
    }
}
}  // namespace

VmmProcess::VmmProcess(const VmmLab& lab, std::vector<std::string> arguments)
    : VmmProcess(lab, std::move(arguments), lab.qmp_path(), lab.log_path()) {}

VmmProcess::VmmProcess(const VmmLab& lab, std::vector<std::string> arguments, std::string qmp_path, std::string log_path)
    : lab_(lab), qmp_path_(std::move(qmp_path)), log_path_(std::move(log_path)) {
    pid_ = spawn(lab, arguments, log_path_);
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!fs::exists(qmp_path_)) {
        if (const auto status = wait_exit(pid_, 0ms)) {
            pid_ = -1;
            throw std::runtime_error("failover-vmm exited (" + std::to_string(*status) + ") before serving QMP:\n" + log());
        }
        if (std::chrono::steady_clock::now() > deadline) throw std::runtime_error("failover-vmm did not start:\n" + log());
        std::this_thread::sleep_for(10ms);
    }
}

VmmProcess::~VmmProcess() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
}

qmp::QmpClient VmmProcess::qmp() const {
    auto client = qmp::QmpClient::connect(qmp_path_);
    client.negotiate();
    return client;
}

int VmmProcess::terminate(std::chrono::milliseconds timeout) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    const auto status = wait_exit(pid_, timeout);
    if (!status) return -1;  // the destructor kills it
    pid_ = -1;
    return *status;
}

std::string VmmProcess::log() const { return read_file(log_path_); }

CommandResult run_vmm(const VmmLab& lab, const std::vector<std::string>& arguments, std::chrono::milliseconds timeout) {
    const std::string log = lab.dir() + "/run.log";
    fs::remove(log);
    const pid_t pid = spawn(lab, arguments, log);
    auto status = wait_exit(pid, timeout);
    if (!status) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        status = -1;
    }
    return {*status, read_file(log)};
}

bool pci_present(qmp::QmpClient& qmp, const std::string& id) {
    const auto visit = [&](const auto& self, const nlohmann::json& devices) -> bool {
        for (const auto& d : devices) {
            if (d.value("qdev_id", "") == id) return true;
            if (d.contains("pci_bridge") && self(self, d["pci_bridge"]["devices"])) return true;
        }
        return false;
    };
    for (const auto& bus : qmp.execute_ok("query-pci"))
        if (visit(visit, bus["devices"])) return true;
    return false;
}

std::string error_of(qmp::QmpClient& qmp, const std::string& command, const nlohmann::json& arguments) {
    const auto result = qmp.execute(command, arguments);
    if (const auto* error = std::get_if<qmp::QmpError>(&result)) return error->desc;
    return "<no error: " + std::get<nlohmann::json>(result).dump() + ">";
}

bool no_event(qmp::QmpClient& qmp, const std::string& name, std::chrono::milliseconds window) {
    return !qmp.wait_event(name, window).has_value();
}

}  // namespace nf::vmm::test
