#include "daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <sstream>
#include <thread>

#include "failoverd_control/control_client.h"

namespace nf::failoverd::test {

DaemonProcess::DaemonProcess(const std::string& guest_netns, std::vector<std::string> args, std::string log_path,
                             std::vector<std::string> launcher)
    : log_path_(std::move(log_path)) {
    // The log file is this object's: made unique here and removed with the object. The paths tests give
    // carry their pid, which a later run can have again: with a shared, kept file its daemon's log was
    // appended to an old one, and a test reading it found the old daemon's lines.
    const std::string suffix = ".log";
    if (log_path_.ends_with(suffix)) log_path_.resize(log_path_.size() - suffix.size());
    log_path_ += "-XXXXXX" + suffix;
    // Close-on-exec: the daemon gets it as stdout and stderr only (dup2 clears the flag on those).
    const int log_fd = ::mkostemps(log_path_.data(), static_cast<int>(suffix.size()), O_CLOEXEC);
    if (log_fd < 0) throw std::runtime_error("create the daemon's log file " + log_path_ + ": " + std::strerror(errno));
    std::vector<std::string> argv =
        launcher.empty() ? std::vector<std::string>{"nsenter", "--net=/run/netns/" + guest_netns, "--"} : launcher;
    argv.push_back(NF_FAILOVERD_BIN);
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(log_fd, 1);
        ::dup2(log_fd, 2);
        std::vector<char*> raw;
        for (auto& a : argv) raw.push_back(a.data());
        raw.push_back(nullptr);
        ::execvp(raw[0], raw.data());
        ::_exit(127);
    }
    ::close(log_fd);
}

DaemonProcess::~DaemonProcess() {
    if (pid_ > 0 && !exit_status_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    ::unlink(log_path_.c_str());
}

bool DaemonProcess::wait_ready(const std::string& control, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (query_status(control)) return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
}

std::optional<int> DaemonProcess::wait_exit(std::chrono::milliseconds timeout) {
    if (exit_status_) return exit_status_;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return exit_status_;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
}

void DaemonProcess::signal(int signo) {
    if (pid_ > 0 && !exit_status_) ::kill(pid_, signo);
}

std::string DaemonProcess::log() const {
    std::ifstream in(log_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::optional<nlohmann::json> query_status(const std::string& control) {
    try {
        auto client = daemon::ControlClient::connect(control, std::chrono::milliseconds(500));
        const auto reply = client.request({{"cmd", "status"}}, std::chrono::milliseconds(1000));
        if (!reply.value("ok", false)) return std::nullopt;
        return reply.at("status");
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool set_active(const std::string& control, const std::string& value) {
    try {
        auto client = daemon::ControlClient::connect(control, std::chrono::milliseconds(500));
        const auto reply =
            client.request({{"cmd", "set"}, {"key", "active"}, {"value", value}}, std::chrono::milliseconds(1000));
        return reply.value("ok", false);
    } catch (const std::exception&) {
        return false;
    }
}

}  // namespace nf::failoverd::test
