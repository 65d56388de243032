#pragma once
// One pair's failoverd: a child process of the pair supervisor running the single-pair daemon, given its
// settings as a config file on stdin. A process per pair is the containment: a pair whose start fails, whose
// handler throws or that crashes takes only itself down, and each keeps its own state file, owner lock and
// adoption after a restart, exactly as a failoverd started by hand.
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/unique_fd.h"

namespace nf::failoverd {

class PairProcess {
public:
    // Forks and execs `binary --config /dev/stdin`, the child's stdin a pipe holding `config` (the config
    // file's JSON, closed after it), its signal mask cleared. Throws SystemError when it cannot fork.
    PairProcess(const std::string& binary, const nlohmann::json& config);
    // Still running: SIGKILL and reap (the orderly way is terminate() and wait_exit() first; a killed
    // failoverd leaves its state file, and the next one adopts or cleans up).
    ~PairProcess();
    PairProcess(const PairProcess&) = delete;
    PairProcess& operator=(const PairProcess&) = delete;

    pid_t pid() const { return pid_; }
    // Readable (EPOLLIN) once the child has exited: a pidfd, so no SIGCHLD handler is shared between pairs.
    int exit_fd() const { return pidfd_.get(); }
    void signal(int signo) noexcept;
    // The exit status once it exited (128 + signal when killed), nullopt while it runs. Never blocks.
    std::optional<int> reap() noexcept;
    // Waits up to `timeout` for the exit; nullopt if it still runs.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout) noexcept;
    bool running() const { return !status_; }

private:
    pid_t pid_ = -1;
    UniqueFd pidfd_;
    std::optional<int> status_;
};

}  // namespace nf::failoverd
