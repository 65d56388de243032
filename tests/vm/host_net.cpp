#include "host_net.h"

#include <sys/wait.h>

#include <signal.h>

#include <array>
#include <cerrno>
#include <filesystem>
#include <atomic>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <thread>
#include <unistd.h>

namespace nf::vmtest {

std::string sh(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((command + " 2>&1").c_str(), "r"), ::pclose);
    if (!pipe) throw std::runtime_error("popen failed: " + command);
    std::string output;
    std::array<char, 4096> buffer{};
    while (std::fgets(buffer.data(), buffer.size(), pipe.get())) output += buffer.data();
    const int status = ::pclose(pipe.release());
    if (status != 0) throw std::runtime_error("`" + command + "` failed (" + std::to_string(status) + "): " + output);
    return output;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        if (condition()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(poll);
    }
}

std::string unique_tag() {
    static std::atomic<int> counter{0};
    return std::to_string(::getpid()) + "x" + std::to_string(++counter);
}

void sweep_dead_runs() {
    namespace fs = std::filesystem;
    std::error_code ec;
    for (const auto& [dir, prefix] : {std::pair{fs::path("/run/netns"), std::string("nfvm-")},
                                      std::pair{fs::path("/tmp"), std::string("nfvm-run-")}}) {
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (name.rfind(prefix, 0) != 0) continue;
            const std::string rest = name.substr(prefix.size());
            const auto digits = rest.find_first_not_of("0123456789");
            if (digits == 0 || rest.empty()) continue;
            const pid_t pid = static_cast<pid_t>(std::stol(rest.substr(0, digits)));
            if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
            std::fprintf(stderr, "vm tier: removing %s left by dead test process %d\n", it->path().c_str(), pid);
            if (dir == "/run/netns") {
                if (::system(("ip netns del " + name + " 2>/dev/null").c_str()) != 0) {
                    std::fprintf(stderr, "vm tier: ip netns del %s failed\n", name.c_str());
                }
            } else {
                fs::remove_all(it->path(), ec);
                ec.clear();
            }
        }
        ec.clear();
    }
}

HostNet::HostNet() : netns_("nfvm-" + unique_tag()) {
    sweep_dead_runs();
    sh("ip netns add " + netns_);
    try {
        sh("ip -n " + netns_ + " link set lo up");
        sh("ip -n " + netns_ + " link add br0 type bridge");
        sh("ip -n " + netns_ + " addr add " + std::string(kHostIp) + "/24 dev br0");
        sh("ip -n " + netns_ + " link set br0 up");
    } catch (...) {
        ::system(("ip netns del " + netns_ + " 2>/dev/null").c_str());
        throw;
    }
}

HostNet::~HostNet() {
    if (::system(("ip netns del " + netns_ + " 2>/dev/null").c_str()) != 0) {
        std::fprintf(stderr, "HostNet: ip netns del %s failed\n", netns_.c_str());
    }
}

void HostNet::attach_tap(const std::string& tap) {
    const std::string show = "ip -n " + netns_ + " link show " + tap + " >/dev/null 2>&1";
    if (!wait_until([&] { return ::system(show.c_str()) == 0; }, std::chrono::seconds(10)))
        throw std::runtime_error("tap " + tap + " never appeared in " + netns_);
    sh("ip -n " + netns_ + " link set " + tap + " master br0 up");
}

std::string HostNet::port_of_guest_mac() const {
    const std::string out = sh("bridge -n " + netns_ + " fdb show br br0");
    const std::string mac = kGuestMac;
    std::size_t pos = 0;
    while ((pos = out.find(mac, pos)) != std::string::npos) {
        const auto eol = out.find('\n', pos);
        const std::string line = out.substr(pos, eol == std::string::npos ? std::string::npos : eol - pos);
        pos += mac.size();
        if (line.find("permanent") != std::string::npos) continue;
        const auto dev = line.find(" dev ");
        if (dev == std::string::npos) continue;
        const auto start = dev + 5;
        return line.substr(start, line.find(' ', start) - start);
    }
    return "";
}

}  // namespace nf::vmtest
