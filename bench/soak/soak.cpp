// nf_soak: unplug/re-plug cycles of a lab VM's primary under traffic, watching for leaks (issue 9).
//
//   nf_soak [--cycles N] [--prefix P] [--sample-every K] [--json FILE]
//
// Brings up a lab of its own (prefix nfsoak by default: the default lab config, moved), starts a ping
// stream client -> VM (100 packets/s), and runs N cycles of QMP device_del (waiting for DEVICE_DELETED:
// the guest's orderly eject) + device_add (waiting until failoverd reports the primary active again).
// Every K cycles it samples, for failoverd and the VMM: open fds, RSS, BPF objects held (bpf-map/bpf-prog
// fds), and the links in the VM's, its host's and failoverd's private namespace, the lab's namespaces and
// failoverd's pinned BPF objects. Prints a markdown table (stdout) and writes the samples as JSON. A
// benchmark, not a test: it measures; the reader judges flatness. Exit 1 if a cycle fails (bounded waits).
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "common/error.h"
#include "failoverd_control/control_client.h"
#include "lab/topology/lab.h"
#include "lab/topology/lab_names.h"
#include "os/netns.h"
#include "os/rtnl.h"
#include "qmp/qmp_client.h"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

struct ProcessFigures {
    int fds = 0;
    long rss_kb = 0;
    int bpf_fds = 0;
};

ProcessFigures figures_of(pid_t pid) {
    ProcessFigures f;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
        ++f.fds;
        const auto target = fs::read_symlink(entry.path(), ec);
        if (!ec && target.string().find("bpf-") != std::string::npos) ++f.bpf_fds;
    }
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.starts_with("VmRSS:")) f.rss_kb = std::stol(line.substr(6));
    return f;
}

int link_count(const std::string& netns) {
    try {
        return static_cast<int>(nf::os::Rtnl::in(nf::os::Netns::open_named(netns)).links().size());
    } catch (const std::exception&) {
        return -1;
    }
}

int count_entries(const fs::path& dir, const std::string& starts_with = "") {
    int n = 0;
    std::error_code ec;
    for (const auto& entry : fs::recursive_directory_iterator(dir, ec))
        if (entry.path().filename().string().starts_with(starts_with)) ++n;
    return n;
}

struct Sample {
    int cycle = 0;
    double cycle_ms = 0;  // mean over the cycles since the previous sample
    ProcessFigures failoverd, vmm;
    int vm_links = 0, host_links = 0, private_links = 0, namespaces = 0, pins = 0;
};

nlohmann::json to_json(const Sample& s) {
    auto proc = [](const ProcessFigures& f) { return nlohmann::json{{"fds", f.fds}, {"rss_kb", f.rss_kb}, {"bpf_fds", f.bpf_fds}}; };
    return {{"cycle", s.cycle},          {"cycle_ms", s.cycle_ms},     {"failoverd", proc(s.failoverd)},
            {"vmm", proc(s.vmm)},        {"vm_links", s.vm_links},     {"host_links", s.host_links},
            {"private_links", s.private_links}, {"namespaces", s.namespaces}, {"pins", s.pins}};
}

std::string guest_active(nf::daemon::ControlClient& control) {
    const auto reply = control.request({{"cmd", "status"}}, 2000ms);
    return reply.contains("status") ? reply["status"].value("active", "") : "";
}

// ping from the client to the VM, 100/s, until stopped; its summary is the loss figure.
class PingStream {
public:
    PingStream(const std::string& netns, const std::string& ip, const std::string& log) : log_(log) {
        pid_ = ::fork();
        if (pid_ == 0) {
            std::freopen(log.c_str(), "w", stdout);
            std::freopen(log.c_str(), "a", stderr);
            ::execlp("ip", "ip", "netns", "exec", netns.c_str(), "ping", "-q", "-i", "0.01", "-W", "1", ip.c_str(),
                     static_cast<char*>(nullptr));
            ::_exit(127);
        }
    }
    ~PingStream() { stop(); }
    std::string stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGINT);
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
        std::ifstream in(log_);
        std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto pos = all.find("packets transmitted");
        if (pos == std::string::npos) return all;
        const auto start = all.rfind('\n', pos);
        return all.substr(start == std::string::npos ? 0 : start + 1, all.find('\n', pos) - (start + 1));
    }

private:
    pid_t pid_ = -1;
    std::string log_;
};

}  // namespace

int main(int argc, char** argv) {
    int cycles = 1000, every = 100;
    std::string prefix = "nfsoak", json_path;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string flag = argv[i], value = argv[i + 1];
        if (flag == "--cycles") cycles = std::stoi(value);
        else if (flag == "--prefix") prefix = value;
        else if (flag == "--sample-every") every = std::stoi(value);
        else if (flag == "--json") json_path = value;
        else {
            std::cerr << "nf_soak: unknown flag " << flag << "\n";
            return 2;
        }
    }
    if (cycles <= 0 || every <= 0) {
        std::cerr << "nf_soak: --cycles and --sample-every must be positive\n";
        return 2;
    }
    spdlog::set_level(spdlog::level::warn);
    using namespace nf::lab;
    LabConfig config = default_lab_config();
    config.prefix = prefix;
    const LabNames names(prefix);
    const VmConfig& vm = config.vms.front();
    int status = 0;
    std::vector<Sample> samples;
    std::string ping_summary;
    try {
        lab_down(prefix);  // leftovers of an interrupted run
        lab_up(config);
        const auto state = *load_lab_state(prefix);
        const pid_t failoverd = state.find_process("guest-" + vm.name)->pid;
        const pid_t vmm = state.find_process("vmm-" + vm.name)->pid;
        struct stat st {};
        ::stat(("/run/netns/" + names.netns(vm.name)).c_str(), &st);
        const std::string key = std::to_string(st.st_ino) + "-" + vm.standby.ifname;
        const std::string private_ns = "nfo-" + key;

        auto qmp = nf::qmp::QmpClient::connect(names.qmp_socket(vm.name).string(), 5000ms);
        qmp.negotiate();
        auto control = nf::daemon::ControlClient::connect(names.failoverd_control(vm.name).string(), 2000ms);
        const auto wait_active = [&](const std::string& want, std::chrono::milliseconds timeout) {
            const auto deadline = Clock::now() + timeout;
            while (guest_active(control) != want) {
                if (Clock::now() >= deadline) throw nf::SystemError(ETIMEDOUT, "failoverd never reported " + want + " active");
                std::this_thread::sleep_for(5ms);
            }
        };
        wait_active("primary", 20s);
        const nlohmann::json add = {{"driver", vm.primary.driver},   {"id", vm.primary.id},
                                    {"host", LabNames::vf_netdev(vm.name)}, {"failover_pair_id", vm.standby.id},
                                    {"bus", vm.primary.bus},         {"ifname", vm.primary.ifname}};
        PingStream ping(names.netns(config.clients.front().name), vm.ip.address, "/tmp/" + prefix + "-ping.log");
        std::this_thread::sleep_for(1s);  // ARP settled before the first cycle

        auto sample = [&](int cycle, double cycle_ms) {
            Sample s;
            s.cycle = cycle;
            s.cycle_ms = cycle_ms;
            s.failoverd = figures_of(failoverd);
            s.vmm = figures_of(vmm);
            s.vm_links = link_count(names.netns(vm.name));
            s.host_links = link_count(names.netns(vm.host));
            s.private_links = nf::os::Netns::named_exists(private_ns) ? link_count(private_ns) : 0;
            s.namespaces = count_entries(nf::os::Netns::kRunDir, prefix + "-") + count_entries(nf::os::Netns::kRunDir, private_ns);
            s.pins = count_entries("/sys/fs/bpf/netfailover/" + key);
            samples.push_back(s);
            std::cerr << "nf_soak: cycle " << cycle << ": failoverd fds " << s.failoverd.fds << " rss " << s.failoverd.rss_kb
                      << " kB, vmm fds " << s.vmm.fds << " rss " << s.vmm.rss_kb << " kB, " << cycle_ms << " ms/cycle\n";
        };
        sample(0, 0);
        auto window_start = Clock::now();
        for (int c = 1; c <= cycles; ++c) {
            qmp.execute_ok("device_del", {{"id", vm.primary.id}});
            if (!qmp.wait_event("DEVICE_DELETED", 10000ms))
                throw nf::SystemError(ETIMEDOUT, "cycle " + std::to_string(c) + ": no DEVICE_DELETED");
            wait_active("standby", 10s);
            qmp.execute_ok("device_add", add);
            wait_active("primary", 10s);
            (void)qmp.take_events();  // keep the event queue bounded
            if (c % every == 0 || c == cycles) {
                const auto now = Clock::now();
                const int n = c % every == 0 ? every : c % every;
                sample(c, std::chrono::duration<double, std::milli>(now - window_start).count() / n);
                window_start = Clock::now();
            }
        }
        ping_summary = ping.stop();
    } catch (const std::exception& e) {
        std::cerr << "nf_soak: " << e.what() << "\n";
        status = 1;
    }
    try {
        lab_down(prefix);
    } catch (const std::exception& e) {
        std::cerr << "nf_soak: lab down: " << e.what() << "\n";
        status = 1;
    }

    std::cout << "| cycle | ms/cycle | failoverd fds | failoverd RSS kB | failoverd bpf fds | VMM fds | VMM RSS kB | "
                 "VM links | host links | private links | namespaces | pins |\n"
                 "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& s : samples) {
        char ms[32];
        std::snprintf(ms, sizeof ms, "%.0f", s.cycle_ms);
        std::cout << "| " << s.cycle << " | " << (s.cycle == 0 ? "-" : ms) << " | " << s.failoverd.fds << " | "
                  << s.failoverd.rss_kb << " | " << s.failoverd.bpf_fds << " | " << s.vmm.fds << " | " << s.vmm.rss_kb
                  << " | " << s.vm_links << " | " << s.host_links << " | " << s.private_links << " | " << s.namespaces
                  << " | " << s.pins << " |\n";
    }
    if (!ping_summary.empty()) std::cout << "\nping client -> VM, 100/s across all cycles: " << ping_summary << "\n";
    if (!json_path.empty()) {
        nlohmann::json doc = {{"cycles_requested", cycles}, {"ping", ping_summary}, {"samples", nlohmann::json::array()}};
        for (const auto& s : samples) doc["samples"].push_back(to_json(s));
        std::ofstream(json_path) << doc.dump(2) << "\n";
    }
    return status;
}
