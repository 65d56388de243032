#pragma once
// failoverd as a child process inside the guest namespace (nsenter, so /sys/fs/bpf stays visible),
// its stderr in a log file that is printed when a test fails. Killed (SIGKILL) by the destructor if
// still running.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nf::failoverd::test {

class DaemonProcess {
public:
    // `launcher`: what runs failoverd in the guest namespace, the binary and `args` appended (default:
    // nsenter --net=/run/netns/<guest> --).
    DaemonProcess(const std::string& guest_netns, std::vector<std::string> args, std::string log_path,
                  std::vector<std::string> launcher = {});
    ~DaemonProcess();
    DaemonProcess(const DaemonProcess&) = delete;
    DaemonProcess& operator=(const DaemonProcess&) = delete;

    pid_t pid() const { return pid_; }
    // Waits until the control socket answers a status request; false when the daemon exited first.
    bool wait_ready(const std::string& control, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    // Exit status, once it has exited (waits up to timeout).
    std::optional<int> wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(10));
    void signal(int signo);
    std::string log() const;

private:
    pid_t pid_ = -1;
    std::optional<int> exit_status_;
    std::string log_path_;
};

// {"cmd":"status"} -> the "status" member; nullopt when the daemon does not answer.
std::optional<nlohmann::json> query_status(const std::string& control);
bool set_active(const std::string& control, const std::string& value);

}  // namespace nf::failoverd::test
