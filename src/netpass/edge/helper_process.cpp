#include "netpass/edge/helper_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>
#include <thread>

#include "common/error.h"

namespace nf::netpass::edge {

std::string HelperProcess::quote(const std::string& word) {
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

HelperProcess::HelperProcess(std::string name, const std::string& command, const std::vector<std::string>& arguments)
    : name_(std::move(name)) {
    std::string line = command;
    for (const auto& a : arguments) line += " " + quote(a);
    int to_child[2], from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) < 0) throw_errno("netpass: pipe");
    UniqueFd tc_r(to_child[0]), tc_w(to_child[1]);
    if (::pipe2(from_child, O_CLOEXEC) < 0) throw_errno("netpass: pipe");
    UniqueFd fc_r(from_child[0]), fc_w(from_child[1]);
    pid_ = ::fork();
    if (pid_ < 0) throw_errno("netpass: fork");
    if (pid_ == 0) {
        ::setpgid(0, 0);  // its own group: the destructor can stop the shell and whatever it started
        ::dup2(tc_r.get(), STDIN_FILENO);
        ::dup2(fc_w.get(), STDOUT_FILENO);
        ::execl("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::setpgid(pid_, pid_);
    in_ = std::move(tc_w);
    out_ = std::move(fc_r);
}

HelperProcess::~HelperProcess() {
    if (pid_ > 0 && !status_) finish(Millis(3000));
}

std::optional<int> HelperProcess::reap(Millis timeout) {
    if (status_) return status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int st = 0;
        const pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            return status_;
        }
        if (r < 0) {
            status_ = -1;
            return status_;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(Millis(5));
    }
}

int HelperProcess::finish(Millis bound) {
    in_.reset();  // end of input: the half aborts (if not done) and detaches
    if (auto st = reap(bound)) return *st;
    ::kill(-pid_, SIGTERM);
    if (auto st = reap(Millis(1000))) return *st;
    ::kill(-pid_, SIGKILL);
    return reap(Millis(5000)).value_or(-1);
}

void HelperProcess::send(const std::string& word) {
    if (!in_) throw std::runtime_error("netpass " + name_ + ": already finished");
    const std::string line = word + "\n";
    if (::write(in_.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        throw std::runtime_error("netpass " + name_ + ": cannot send '" + word + "' (the half is gone)");
}

std::optional<nlohmann::json> HelperProcess::next(Millis timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        while (auto l = buffer_.next()) {
            if (l->oversized) throw std::runtime_error("netpass " + name_ + ": oversized report line");
            auto j = nlohmann::json::parse(l->text, nullptr, false);
            if (j.is_discarded() || !j.is_object())
                throw std::runtime_error("netpass " + name_ + ": not a JSON report: " + l->text.substr(0, 200));
            lines_.push_back(j);
            return j;
        }
        const auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
        if (left.count() < 0) return std::nullopt;
        pollfd p{out_.get(), POLLIN, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(left.count()));
        if (rc < 0 && errno != EINTR) throw_errno("netpass: poll");
        if (rc <= 0) continue;
        char buf[4096];
        const ssize_t n = ::read(out_.get(), buf, sizeof buf);
        if (n <= 0) {
            const auto st = reap(Millis(2000));
            throw std::runtime_error("netpass " + name_ + " exited" +
                                     (st ? " with status " + std::to_string(*st) : std::string()));
        }
        buffer_.append(std::string_view(buf, static_cast<std::size_t>(n)));
    }
}

nlohmann::json HelperProcess::await(const std::string& event, Millis bound) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    for (;;) {
        const auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
        auto j = next(std::max(Millis(0), left));
        if (!j) throw std::runtime_error("netpass " + name_ + ": no '" + event + "' within " + std::to_string(bound.count()) + " ms");
        const auto e = j->value("event", "");
        if (e == event) return *j;
        if (e == "error") throw std::runtime_error("netpass " + name_ + ": " + j->value("error", std::string("error")));
        if (e == "done" && event != "done")
            throw std::runtime_error("netpass " + name_ + " ended before '" + event + "': " + j->dump());
    }
}

}  // namespace nf::netpass::edge
