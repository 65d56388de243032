#include "lab/topology/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/close_range.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/unique_fd.h"
#include "os/cgroup.h"
#include "os/netns.h"

extern char** environ;

namespace nf::lab {
namespace {

using Clock = std::chrono::steady_clock;

enum class Step : int { Fork = 1, Setns, JoinCgroup, Redirect, Exec };

// The launch, told through the pipe: the grandchild announces each step before taking it (error 0) and
// the step it failed at (errno); EOF after that means exec worked (close-on-exec). One write per record,
// below PIPE_BUF, so the middle child's and the grandchild's records never mix.
struct LaunchReport {
    pid_t pid;  // the grandchild; 0 when the middle child could not fork it
    Step step;
    int error;
};

const char* describe(Step step) {
    switch (step) {
        case Step::Fork: return "fork";
        case Step::Setns: return "enter the network namespace";
        case Step::JoinCgroup: return "join the cgroup";
        case Step::Redirect: return "redirect stdin/stdout/stderr";
        case Step::Exec: return "exec";
    }
    return "start";
}

// Only async-signal-safe calls from here on: the parent may have other threads (spdlog, netlink).
void send_report(int report, pid_t pid, Step step, int error) {
    const LaunchReport record{pid, step, error};
    [[maybe_unused]] const auto n = ::write(report, &record, sizeof record);
}

void announce(int report, Step step) { send_report(report, ::getpid(), step, 0); }

[[noreturn]] void fail_child(int report, Step step) {
    const int error = errno;
    send_report(report, ::getpid(), step, error);
    ::_exit(127);
}

[[noreturn]] void run_grandchild(int report, int netns, int cgroup_procs, int null_fd, int log_fd, const char* path,
                                 char* const* argv) {
    if (netns >= 0) {
        announce(report, Step::Setns);
        if (::setns(netns, CLONE_NEWNET) < 0) fail_child(report, Step::Setns);
    }
    // "0" moves the writer itself; done before exec so the program never runs outside its cgroup. A frozen
    // cgroup stops us right here: the parent's deadline covers that.
    if (cgroup_procs >= 0) {
        announce(report, Step::JoinCgroup);
        if (::write(cgroup_procs, "0", 1) < 0) fail_child(report, Step::JoinCgroup);
    }
    announce(report, Step::Redirect);
    if (::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0) fail_child(report, Step::Redirect);
    announce(report, Step::Exec);
    // Nothing of ours leaks into the program (the report pipe is already close-on-exec).
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::execve(path, argv, environ);
    fail_child(report, Step::Exec);
}

UniqueFd open_or_throw(const std::filesystem::path& path, int flags, const std::string& what) {
    UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, 0644));
    if (!fd) throw_errno(what + ": open " + path.string());
    return fd;
}

void reap(pid_t pid) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
}

// Reads the launch records until EOF (exec done) and returns the program's pid. A failed step throws; a
// child still short of exec at the deadline is killed and the step it was stuck in named.
pid_t await_exec(int report, std::chrono::milliseconds timeout, const std::string& what, const std::string& exe) {
    const auto deadline = Clock::now() + timeout;
    LaunchReport last{0, Step::Fork, 0};
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd pfd{report, POLLIN, 0};
        const int ready = left.count() > 0 ? ::poll(&pfd, 1, static_cast<int>(left.count())) : 0;
        if (ready < 0 && errno == EINTR) continue;
        if (ready < 0) throw_errno(what + ": poll the launch pipe");
        if (ready == 0) {
            std::string killed;
            if (last.pid > 0 && ::kill(last.pid, SIGKILL) == 0)
                killed = ", pid " + std::to_string(last.pid) + " killed";
            throw SystemError(ETIMEDOUT, what + ": no exec within " + std::to_string(timeout.count()) +
                                             " ms, stuck trying to " + describe(last.step) + " (" + exe + killed + ")");
        }
        LaunchReport record{};
        const ssize_t n = ::read(report, &record, sizeof record);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno(what + ": read the launch pipe");
        if (n == 0) break;
        if (n != sizeof record) throw SystemError(EIO, what + ": short record from the launcher");
        if (record.error != 0)
            throw SystemError(record.error, what + ": could not " + describe(record.step) + " (" + exe + ")");
        last = record;
    }
    if (last.pid <= 0) throw SystemError(EIO, what + ": no pid from the launcher");
    return last.pid;
}

}  // namespace

std::vector<std::filesystem::path> path_dirs() {
    std::vector<std::filesystem::path> dirs;
    const char* path = std::getenv("PATH");
    std::istringstream in(path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (std::string dir; std::getline(in, dir, ':');)
        if (!dir.empty()) dirs.emplace_back(dir);
    return dirs;
}

std::optional<std::filesystem::path> find_executable(const std::string& name,
                                                     const std::vector<std::filesystem::path>& dirs) {
    const auto usable = [](const std::filesystem::path& p) {
        return ::access(p.c_str(), X_OK) == 0 && !std::filesystem::is_directory(p);
    };
    if (name.find('/') != std::string::npos) return usable(name) ? std::optional<std::filesystem::path>(name) : std::nullopt;
    for (const auto& dir : dirs)
        if (usable(dir / name)) return dir / name;
    return std::nullopt;
}

ProcessRecord spawn_process(const ProcessSpec& spec) {
    const std::string what = "start " + spec.name;
    if (spec.argv.empty()) throw ConfigError(what + ": empty command line");
    const auto path = find_executable(spec.argv[0], path_dirs());
    if (!path) throw SystemError(ENOENT, what + ": '" + spec.argv[0] + "' is not an executable (nor in PATH)");

    // Everything that can fail is opened here, before the fork, where errors still have context.
    std::optional<os::Netns> netns;
    if (!spec.netns.empty()) netns = os::Netns::open_named(spec.netns);
    UniqueFd cgroup_procs;
    if (!spec.cgroup.empty())
        cgroup_procs = open_or_throw(os::Cgroup2::open(spec.cgroup).path() / "cgroup.procs", O_WRONLY, what);
    std::filesystem::create_directories(spec.log.parent_path());
    // A log in a run directory: never through a symlink planted at its path.
    UniqueFd log_fd = open_or_throw(spec.log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, what);
    UniqueFd null_fd = open_or_throw("/dev/null", O_RDONLY, what);
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) < 0) throw_errno(what + ": pipe");
    UniqueFd report_read(pipe_fds[0]), report_write(pipe_fds[1]);

    std::vector<char*> argv;
    for (const auto& arg : spec.argv) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    const std::string exe = path->string();

    // Double fork: the program is reparented away from us at once, so it outlives `failover-lab up` and never
    // lingers as our zombie; the grandchild tells its pid and progress through the pipe.
    const pid_t middle = ::fork();
    if (middle < 0) throw_errno(what + ": fork");
    if (middle == 0) {
        ::setsid();  // own session: no terminal signals from the shell that ran the lab
        const pid_t child = ::fork();
        if (child == 0)
            run_grandchild(report_write.get(), netns ? netns->fd() : -1, cgroup_procs.get(), null_fd.get(),
                           log_fd.get(), exe.c_str(), argv.data());
        if (child < 0) send_report(report_write.get(), 0, Step::Fork, errno);
        ::_exit(0);
    }
    report_write.reset();
    reap(middle);
    const pid_t pid = await_exec(report_read.get(), spec.start_timeout, what, exe);

    ProcessRecord record{spec.name, pid, 0, spec.argv, spec.netns, spec.cgroup, spec.log};
    record.argv[0] = exe;
    // A program that exited at once has no start time; it is recorded anyway so status shows it dead.
    record.start_time = process_start_time(pid).value_or(0);
    return record;
}

std::string log_tail(const std::filesystem::path& log, std::size_t lines) {
    std::ifstream in(log);
    std::vector<std::string> kept;
    for (std::string line; std::getline(in, line);) {
        kept.push_back(std::move(line));
        if (kept.size() > lines) kept.erase(kept.begin());
    }
    std::string out;
    for (const auto& line : kept) out += line + "\n";
    return out;
}

std::optional<unsigned long long> process_start_time(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!in || !std::getline(in, stat)) return std::nullopt;
    // "pid (comm) S ppid ...": comm may hold spaces and ')', so fields count from the last ')'.
    const auto close = stat.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(stat.substr(close + 1));
    std::string state;
    fields >> state;
    if (state == "Z" || state == "X") return std::nullopt;
    std::string skip;
    for (int field = 4; field < 22; ++field) fields >> skip;  // fields 4..21
    unsigned long long start = 0;
    if (!(fields >> start)) return std::nullopt;
    return start;
}

bool process_alive(const ProcessRecord& record) {
    if (record.pid <= 0) return false;
    const auto start = process_start_time(record.pid);
    // A record without a start time (the program died at once) matches nothing: its pid may be anyone's now.
    return start && record.start_time != 0 && *start == record.start_time;
}

bool stop_process(const ProcessRecord& record, std::chrono::milliseconds grace) {
    if (!process_alive(record)) return false;
    const auto wait_gone = [&](std::chrono::milliseconds limit) {
        const auto deadline = Clock::now() + limit;
        while (process_alive(record)) {
            if (Clock::now() >= deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        return true;
    };
    ::kill(record.pid, SIGTERM);
    if (wait_gone(grace)) return true;
    ::kill(record.pid, SIGKILL);
    if (!wait_gone(std::chrono::seconds(2)))
        throw SystemError(ETIMEDOUT, "stop " + record.name + " (pid " + std::to_string(record.pid) + "): still alive after SIGKILL");
    return true;
}

}  // namespace nf::lab
