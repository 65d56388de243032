#include "failoverd/process_signals.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include "common/error.h"

namespace nf::failoverd {

namespace {

sigset_t failoverd_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    return set;
}

}  // namespace

ProcessSignals::ProcessSignals() {
    const sigset_t signals = failoverd_signals();
    if (int rc = pthread_sigmask(SIG_BLOCK, &signals, &saved_mask_); rc != 0) throw_errno(rc, "pthread_sigmask");
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGPIPE, &ignore, &saved_sigpipe_);
    blocked_ = true;
    try {
        fd_ = UniqueFd(static_cast<int>(check_syscall(signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK), "signalfd")));
    } catch (...) {
        restore();
        throw;
    }
}

ProcessSignals::Received ProcessSignals::read() {
    Received received;
    signalfd_siginfo info{};
    while (::read(fd_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGHUP)
            received.resync = true;
        else
            received.stop = static_cast<int>(info.ssi_signo);
    }
    return received;
}

void ProcessSignals::restore() noexcept {
    if (!blocked_) return;
    blocked_ = false;
    sigset_t pending = failoverd_signals();
    for (int signo : {SIGTERM, SIGINT, SIGHUP})
        if (sigismember(&saved_mask_, signo)) sigdelset(&pending, signo);
    const timespec now{};
    while (sigtimedwait(&pending, nullptr, &now) > 0) {
    }
    pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
    sigaction(SIGPIPE, &saved_sigpipe_, nullptr);
}

}  // namespace nf::failoverd
