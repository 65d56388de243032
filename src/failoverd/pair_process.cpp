#include "failoverd/pair_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"

namespace nf::failoverd {
namespace {

// The config is a few hundred bytes; a pipe holds 64 KiB, so it is written whole before the fork and the
// child never waits on us.
constexpr std::size_t kMaxConfigBytes = 16 * 1024;

int exit_status_of(int wstatus) {
    if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
    return 255;
}

}  // namespace

PairProcess::PairProcess(const std::string& binary, const nlohmann::json& config) {
    const std::string text = config.dump() + "\n";
    if (text.size() > kMaxConfigBytes) throw SystemError(E2BIG, "pair config of " + std::to_string(text.size()) + " bytes");
    int fds[2];
    check_syscall(::pipe2(fds, O_CLOEXEC), "pipe2");
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    if (::write(write_end.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
        throw_errno("write the pair config");
    write_end.reset();

    // argv and envp are built before the fork: only async-signal-safe calls between fork and exec.
    std::string config_flag = "--config", config_path = "/dev/stdin";
    char* const argv[] = {const_cast<char*>(binary.c_str()), config_flag.data(), config_path.data(), nullptr};
    const pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        if (::dup2(read_end.get(), STDIN_FILENO) < 0) ::_exit(127);
        ::execv(binary.c_str(), argv);
        ::_exit(127);
    }
    pid_ = pid;
    const long fd = ::syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) {
        const int err = errno;
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
        throw_errno(err, "pidfd_open");
    }
    pidfd_ = UniqueFd(static_cast<int>(fd));
}

PairProcess::~PairProcess() {
    if (pid_ <= 0 || status_) return;
    signal(SIGKILL);
    int wstatus = 0;
    while (::waitpid(pid_, &wstatus, 0) < 0 && errno == EINTR) {
    }
}

void PairProcess::signal(int signo) noexcept {
    // The pidfd names this child even if its pid were reused after an unnoticed exit.
    if (!status_) ::syscall(SYS_pidfd_send_signal, pidfd_.get(), signo, nullptr, 0);
}

std::optional<int> PairProcess::reap() noexcept {
    if (status_) return status_;
    int wstatus = 0;
    const pid_t r = ::waitpid(pid_, &wstatus, WNOHANG);
    if (r == pid_) status_ = exit_status_of(wstatus);
    return status_;
}

std::optional<int> PairProcess::wait_exit(std::chrono::milliseconds timeout) noexcept {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!reap()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd p{pidfd_.get(), POLLIN, 0};
        ::poll(&p, 1, static_cast<int>(left.count()));
    }
    return status_;
}

}  // namespace nf::failoverd
