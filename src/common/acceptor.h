#pragma once
// Accepts connections on a listening unix socket from an EventLoop, for the control, QMP and device-channel
// servers. Running out of file descriptors (EMFILE/ENFILE, or the kernel's ENOBUFS/ENOMEM) must neither spin
// the loop (the listener stays readable while the connection waits in the backlog) nor end the process: the
// listener is unwatched for `pause`, counted, and watched again when the timer fires.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "common/event_loop.h"
#include "common/unique_fd.h"

namespace nf {

class Acceptor {
public:
    using OnClient = std::function<void(UniqueFd client)>;
    // A burst of connections is taken this many at a time; the rest waits for the next round (level-triggered).
    static constexpr int kMaxAcceptsPerRound = 32;
    static constexpr std::chrono::milliseconds kDefaultPause{100};

    struct Counters {
        std::uint64_t accepted = 0;
        std::uint64_t exhausted = 0;  // accept failed for lack of fds or memory: paused
    };

    // `listen_fd` stays owned by the caller and must outlive this object.
    Acceptor(EventLoop& loop, int listen_fd, std::string name, OnClient on_client,
             EventLoop::Clock::duration pause = kDefaultPause);
    ~Acceptor();  // unwatches the listener, cancels a pending resume
    Acceptor(const Acceptor&) = delete;
    Acceptor& operator=(const Acceptor&) = delete;

    bool paused() const { return resume_ != 0; }
    const Counters& counters() const { return counters_; }

private:
    void accept_ready();
    void pause_accepting(int err);

    EventLoop& loop_;
    int listen_fd_;
    std::string name_;
    OnClient on_client_;
    EventLoop::Clock::duration pause_;
    EventLoop::TimerId resume_ = 0;
    Counters counters_;
};

}  // namespace nf
