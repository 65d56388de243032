#include "daemon_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "failoverd_control/control_client.h"

namespace nf::failoverd::test {

DaemonProcess::DaemonProcess(const std::string& guest_netns, std::vector<std::string> args, std::string log_path,
                             std::vector<std::string> launcher)
    : log_path_(std::move(log_path)) {
    std::vector<std::string> argv =
        launcher.empty() ? std::vector<std::string>{"nsenter", "--net=/run/netns/" + guest_netns, "--"} : launcher;
    argv.push_back(NF_FAILOVERD_BIN);
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = ::fork();
    if (pid_ == 0) {
        const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            ::dup2(fd, 1);
            ::dup2(fd, 2);
        }
        std::vector<char*> raw;
        for (auto& a : argv) raw.push_back(a.data());
        raw.push_back(nullptr);
        ::execvp(raw[0], raw.data());
        ::_exit(127);
    }
}

DaemonProcess::~DaemonProcess() {
    if (pid_ > 0 && !exit_status_) {
        ::kill(pid_, SIGKILL);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
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
