#pragma once
// A ping stream that runs until the test stops it, for tests that must not assume a quiet machine:
// instead of "N pings at interval I cover the interesting moment", the test waits for what it needs
// (replies seen, counters moved), then stops the stream, and checks the stream covered that moment.
//
// Loss is judged by sequence numbers: every echo request up to the last one answered must have been
// answered. The request that is in flight when stop() sends SIGINT is not a loss.
//
// Header-only, shared by the failoverd, datapath and vmm tests (include it by relative path).
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace nf::test {

class PingStream {
public:
    using Clock = std::chrono::steady_clock;

    struct Result {
        int transmitted = 0;        // from ping's summary
        int answered = 0;           // distinct sequence numbers answered
        int duplicates = 0;
        int last_answered_seq = 0;  // 0: none
        std::vector<int> missing;   // unanswered sequence numbers below the last answered one
        bool ended_by_itself = false;  // the -w deadline ran out (or ping failed) before stop()
        std::optional<Clock::time_point> first_reply, last_reply;
        std::string output;
    };

    // `ping -n -i interval target` inside the named namespace (/run/netns/<netns>), for at most deadline_s.
    PingStream(const std::string& netns, const std::string& target, double interval_s, int deadline_s = 60,
               int size = 56) {
        const std::string ns_path = "/run/netns/" + netns;
        const int ns_fd = ::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (ns_fd < 0) throw std::runtime_error("PingStream: open " + ns_path + ": " + std::strerror(errno));
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) < 0) {
            ::close(ns_fd);
            throw std::runtime_error(std::string("PingStream: pipe2: ") + std::strerror(errno));
        }
        char interval[32];
        std::snprintf(interval, sizeof interval, "%.3f", interval_s);
        // -D: each reply carries its wall-clock time, so a failure's output can be laid beside the logs.
        std::vector<std::string> args = {"ping", "-n", "-D", "-i", interval, "-W", "1", "-w", std::to_string(deadline_s),
                                         "-s", std::to_string(size), target};
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        const char* binary = ::access("/usr/bin/ping", X_OK) == 0 ? "/usr/bin/ping" : "/bin/ping";
        pid_ = ::fork();
        if (pid_ < 0) {
            ::close(ns_fd);
            ::close(fds[0]);
            ::close(fds[1]);
            throw std::runtime_error(std::string("PingStream: fork: ") + std::strerror(errno));
        }
        if (pid_ == 0) {  // async-signal-safe calls only until exec
            if (::setns(ns_fd, CLONE_NEWNET) < 0) ::_exit(126);
            ::dup2(fds[1], STDOUT_FILENO);
            ::dup2(fds[1], STDERR_FILENO);
            ::execv(binary, argv.data());
            ::_exit(127);
        }
        ::close(ns_fd);
        ::close(fds[1]);
        reader_ = std::thread([this, fd = fds[0]] { read_output(fd); });
    }
    ~PingStream() {
        try {
            stop();
        } catch (...) {
        }
    }
    PingStream(const PingStream&) = delete;
    PingStream& operator=(const PingStream&) = delete;

    // Distinct echo requests answered so far.
    int replies() const {
        std::lock_guard lock(mutex_);
        return static_cast<int>(replies_.size());
    }
    // Replies that arrived after `t`.
    int replies_since(Clock::time_point t) const {
        std::lock_guard lock(mutex_);
        int n = 0;
        for (const auto& [seq, at] : replies_) n += at > t ? 1 : 0;
        return n;
    }

    // SIGINT (ping prints its summary), waits for it, returns what it saw. Idempotent.
    Result stop() {
        if (pid_ > 0) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                ended_by_itself_ = true;
            } else {
                ::kill(pid_, SIGINT);
                while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
                }
            }
            pid_ = -1;
            if (reader_.joinable()) reader_.join();
        }
        Result r;
        std::lock_guard lock(mutex_);
        r.output = output_;
        r.ended_by_itself = ended_by_itself_;
        r.duplicates = duplicates_;
        r.answered = static_cast<int>(replies_.size());
        std::smatch m;
        if (std::regex_search(output_, m, std::regex(R"((\d+) packets transmitted)"))) r.transmitted = std::stoi(m[1]);
        if (!replies_.empty()) {
            r.last_answered_seq = replies_.rbegin()->first;
            for (int seq = 1; seq < r.last_answered_seq; ++seq)
                if (!replies_.count(seq)) r.missing.push_back(seq);
            for (const auto& [seq, at] : replies_) {
                if (!r.first_reply || at < *r.first_reply) r.first_reply = at;
                if (!r.last_reply || at > *r.last_reply) r.last_reply = at;
            }
        }
        return r;
    }

private:
    void read_output(int fd) {
        static const std::regex reply(R"(bytes from .*icmp_seq=(\d+))");
        std::string pending;
        char buffer[4096];
        for (;;) {
            const ssize_t n = ::read(fd, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            const auto now = Clock::now();
            pending.append(buffer, static_cast<std::size_t>(n));
            std::size_t eol;
            while ((eol = pending.find('\n')) != std::string::npos) {
                const std::string line = pending.substr(0, eol);
                pending.erase(0, eol + 1);
                std::smatch m;
                std::lock_guard lock(mutex_);
                output_ += line + "\n";
                if (std::regex_search(line, m, reply)) {
                    const int seq = std::stoi(m[1]);
                    if (line.find("DUP!") != std::string::npos || replies_.count(seq)) ++duplicates_;
                    else replies_[seq] = now;
                }
            }
        }
        std::lock_guard lock(mutex_);
        output_ += pending;
        ::close(fd);
    }

    pid_t pid_ = -1;
    bool ended_by_itself_ = false;
    std::thread reader_;
    mutable std::mutex mutex_;
    std::string output_;
    std::map<int, Clock::time_point> replies_;  // sequence number -> first reply's arrival
    int duplicates_ = 0;
};

// "lost 3 of 250 (seq 17 18 19)" for failure messages.
inline std::string describe_loss(const PingStream::Result& r) {
    std::string s = "transmitted " + std::to_string(r.transmitted) + ", answered " + std::to_string(r.answered) +
                    ", missing " + std::to_string(r.missing.size()) + " below seq " +
                    std::to_string(r.last_answered_seq) + ":";
    for (std::size_t i = 0; i < r.missing.size() && i < 20; ++i) s += " " + std::to_string(r.missing[i]);
    return s;
}

}  // namespace nf::test
