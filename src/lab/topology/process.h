#pragma once
// Supervised processes: started detached (double fork, own session) inside a named netns and optionally a
// cgroup, output to a log file; identified afterwards by pid + start time so a reused pid is never killed.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nf::lab {

struct ProcessSpec {
    std::string name;               // "vmm-vm1", "guest-vm1": names the state record and, by default, the log
    std::vector<std::string> argv;  // argv[0]: a path, or a name looked up in PATH
    std::string netns;              // named netns (/run/netns/NAME) to run in; empty: the caller's
    std::string cgroup;             // cgroup below the cgroup2 mount to join before exec; empty: stay put
    std::filesystem::path log;      // stdout + stderr, appended; its directory is created
    // From fork to exec: a child stuck before exec (setns, joining a frozen cgroup) is killed after this.
    std::chrono::milliseconds start_timeout = std::chrono::seconds(10);
};

struct ProcessRecord {
    std::string name;
    pid_t pid = 0;
    unsigned long long start_time = 0;  // /proc/<pid>/stat field 22: tells a reused pid from ours
    std::vector<std::string> argv;
    std::string netns;
    std::string cgroup;
    std::filesystem::path log;
};

// Starts the process and returns once it has exec'd. A missing binary, netns or cgroup, a failed exec, or
// no exec within spec.start_timeout (SystemError(ETIMEDOUT)), throws SystemError naming the process and
// the step; nothing is left running then.
ProcessRecord spawn_process(const ProcessSpec& spec);

// The pid runs (not a zombie) and is still the process we started.
bool process_alive(const ProcessRecord& record);
// /proc/<pid>/stat start time, nullopt when there is no such live process.
std::optional<unsigned long long> process_start_time(pid_t pid);

// SIGTERM, up to `grace` for it to exit, then SIGKILL. Returns false if it was not running.
bool stop_process(const ProcessRecord& record, std::chrono::milliseconds grace);

// The last `lines` lines of a log file ("" if unreadable), for error messages: an up that fails removes
// the run directory, logs included, so what the process said must travel in the error.
std::string log_tail(const std::filesystem::path& log, std::size_t lines = 10);

// argv[0] resolution: a name with '/' is taken as is; otherwise the first executable in `dirs`.
std::optional<std::filesystem::path> find_executable(const std::string& name,
                                                     const std::vector<std::filesystem::path>& dirs);
// The directories of $PATH.
std::vector<std::filesystem::path> path_dirs();

}  // namespace nf::lab
