#include "interruptible.h"

#include <signal.h>
#include <time.h>

#include <atomic>
#include <exception>
#include <thread>

namespace nf::lab::cli {

bool run_interruptible(const std::function<void(std::stop_token)>& job) {
    // Blocked before the worker starts, so the signal reaches only sigtimedwait below.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    std::atomic<bool> done = false;
    std::exception_ptr failure;
    std::jthread worker([&](std::stop_token stop) {
        try {
            job(stop);
        } catch (...) {
            failure = std::current_exception();
        }
        done = true;
    });
    bool interrupted = false;
    const timespec tick{0, 100'000'000};
    while (!done) {
        if (sigtimedwait(&signals, nullptr, &tick) > 0) {
            interrupted = true;
            worker.request_stop();
        }
    }
    worker.join();
    pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
    if (failure) std::rethrow_exception(failure);
    return interrupted;
}

}  // namespace nf::lab::cli
