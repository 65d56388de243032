#include "ping_log.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "common/unique_fd.h"

namespace nf::vmtest {

std::string PingSummary::describe() const {
    std::string s = "answered " + std::to_string(answered) + " up to seq " + std::to_string(last_answered_seq) +
                    ", lost " + std::to_string(lost()) + ", longest gap " + std::to_string(static_cast<int>(max_gap_ms)) +
                    " ms";
    if (!missing.empty()) {
        s += " (seq";
        for (std::size_t i = 0; i < missing.size() && i < 12; ++i) s += " " + std::to_string(missing[i]);
        s += missing.size() > 12 ? " ...)" : ")";
    }
    return s;
}

PingSummary parse_ping_output(const std::string& output, int after_seq) {
    // [1733368123.123456] 64 bytes from 10.219.0.1: icmp_seq=5 ttl=64 time=0.812 ms
    static const std::regex reply(R"(\[(\d+\.\d+)\] \d+ bytes from [^:]+: icmp_seq=(\d+))");
    PingSummary s;
    std::istringstream in(output);
    std::string line;
    int highest = 0;  // in arrival order: ping prints each reply as it comes
    while (std::getline(in, line)) {
        std::smatch m;
        if (!std::regex_search(line, m, reply)) continue;
        const int seq = std::stoi(m[2]);
        if (seq <= after_seq) continue;
        const bool first = s.reply_at.emplace(seq, std::stod(m[1])).second;  // a duplicate keeps the first reply
        if (first && seq < highest) ++s.reordered;
        highest = std::max(highest, seq);
    }
    s.answered = static_cast<int>(s.reply_at.size());
    if (s.reply_at.empty()) return s;
    s.last_answered_seq = s.reply_at.rbegin()->first;
    for (int seq = after_seq + 1; seq < s.last_answered_seq; ++seq)
        if (!s.reply_at.count(seq)) s.missing.push_back(seq);
    std::vector<double> times;
    for (const auto& [seq, at] : s.reply_at) times.push_back(at);
    std::sort(times.begin(), times.end());
    for (std::size_t i = 1; i < times.size(); ++i) s.max_gap_ms = std::max(s.max_gap_ms, (times[i] - times[i - 1]) * 1000);
    return s;
}

HostPing::HostPing(const std::string& netns, const std::string& target, const std::string& output_path,
                   double interval_s)
    : path_(output_path), interval_s_(interval_s) {
    const std::string ns_path = "/run/netns/" + netns;
    UniqueFd ns(::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) throw std::runtime_error("open " + ns_path + ": " + std::strerror(errno));
    UniqueFd out(::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!out) throw std::runtime_error("open " + path_ + ": " + std::strerror(errno));
    char interval[32];
    std::snprintf(interval, sizeof interval, "%.3f", interval_s);
    std::vector<std::string> args = {"ping", "-D", "-n", "-i", interval, "-W", "1", "-w", "600", target};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid_ == 0) {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) ::_exit(125);
        if (::setns(ns.get(), CLONE_NEWNET) < 0) ::_exit(126);
        ::dup2(out.get(), STDOUT_FILENO);
        ::dup2(out.get(), STDERR_FILENO);
        ::execvp("ping", argv.data());
        ::_exit(127);
    }
}

HostPing::~HostPing() {
    try {
        stop();
    } catch (...) {
    }
    std::error_code ec;
    std::filesystem::remove(path_, ec);
}

PingSummary HostPing::read(int after_seq) const {
    std::ifstream in(path_);
    std::stringstream s;
    s << in.rdbuf();
    PingSummary summary = parse_ping_output(s.str(), after_seq);
    summary.interval_ms = interval_s_ * 1000;
    return summary;
}

PingSummary HostPing::stop(int after_seq) {
    if (pid_ > 0) {
        ::kill(pid_, SIGINT);
        int status = 0;
        bool reaped = false;
        for (int i = 0; i < 60 && !reaped; ++i) {  // 3 s
            reaped = ::waitpid(pid_, &status, WNOHANG) == pid_;
            if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        if (!reaped) {
            ::kill(pid_, SIGKILL);
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
            }
        }
        pid_ = -1;
    }
    return read(after_seq);
}

}  // namespace nf::vmtest
