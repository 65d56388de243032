#pragma once
// Runs a piece of a test as another user (nobody/nogroup by default) in a forked child: how an
// unprivileged local client meets our sockets. The child only does what `body` does and _exits with its
// return value; the parent gets the exit status (-1 if it did not exit normally or took over `timeout`).
#include <grp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>

namespace nf::test {

inline constexpr uid_t kNobodyUid = 65534;
inline constexpr gid_t kNogroupGid = 65534;

inline int run_as(uid_t uid, gid_t gid, const std::function<int()>& body,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const pid_t pid = ::fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int rc = 100;
        if (::setgroups(0, nullptr) == 0 && ::setresgid(gid, gid, gid) == 0 && ::setresuid(uid, uid, uid) == 0) {
            try {
                rc = body();
            } catch (...) {
                rc = 101;
            }
        }
        ::_exit(rc);
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        int status = 0;
        const pid_t done = ::waitpid(pid, &status, WNOHANG);
        if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (done < 0 || std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            return -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

}  // namespace nf::test
