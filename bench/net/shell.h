#pragma once
// Shelling out for benchmark set-up only (iproute2, sysctl, iperf3); what is measured goes through our
// own libraries. Every wait checks the interrupt flag, so Ctrl-C unwinds through the RAII cleanups.
#include <sys/types.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace nf::bench {

// Thrown when SIGINT/SIGTERM arrived; RAII owners remove what they made while it unwinds.
struct Interrupted : std::runtime_error {
    Interrupted() : std::runtime_error("interrupted") {}
};

// SIGINT/SIGTERM set a flag instead of killing us.
void install_interrupt_handler();
bool interrupted();
void throw_if_interrupted();
// Sleeps in small steps so an interrupt is noticed within ~10 ms.
void sleep_for(std::chrono::steady_clock::duration d);

// Runs a shell command; returns stdout+stderr; throws with the output when it fails.
std::string sh(const std::string& command);
// Runs a shell command, output discarded; returns the exit status.
int sh_status(const std::string& command);

// A child process (argv, no shell), stdout/stderr to /dev/null; SIGTERM + wait on destruction.
class ChildProcess {
public:
    explicit ChildProcess(const std::vector<std::string>& argv);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
};

}  // namespace nf::bench
