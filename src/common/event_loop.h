#pragma once
// One event loop for every process of the project (failoverd, failover-vmm, the control/QMP/channel servers):
// epoll over file descriptors, one-shot deadline timers, deferred tasks, and a thread-safe post(). A bounded
// wait anywhere in the project is a timer here with a named outcome, never a sleep or a poll tick.
//
// Error policy ("a crash is a lost network"): an exception escaping a handler is caught here, logged with the
// handler's name, counted, and handed to the error hook (so the owner may resync); the loop goes on.
// Single-threaded: every method but post() is called from the loop's thread (handlers included).
#include <sys/epoll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace nf {

class EventLoop {
public:
    using Clock = std::chrono::steady_clock;
    // Called with the epoll events that fired (EPOLLIN, EPOLLOUT, EPOLLHUP, EPOLLERR, ...).
    using FdHandler = std::function<void(std::uint32_t events)>;
    using Task = std::function<void()>;
    using ErrorHook = std::function<void(const std::string& handler_name, const std::exception& error)>;

    // A timer's handle; 0 is never a live timer. Cancelling a fired or cancelled timer is a no-op.
    using TimerId = std::uint64_t;

    struct Counters {
        std::uint64_t rounds = 0;
        std::uint64_t fd_events = 0;
        std::uint64_t timers_fired = 0;
        std::uint64_t tasks_run = 0;       // deferred + posted
        std::uint64_t handler_errors = 0;  // exceptions contained
    };

    EventLoop();  // throws SystemError when epoll/timerfd/eventfd cannot be created
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Watches fd (level-triggered). `name` appears in logs when the handler throws. Throws std::logic_error
    // when fd is already watched, SystemError when epoll refuses it.
    void add(int fd, std::uint32_t events, FdHandler handler, std::string name);
    void modify(int fd, std::uint32_t events);  // throws std::logic_error for an fd not watched
    // Stops watching fd; safe inside any handler (also fd's own): a removed fd's pending events are not
    // delivered. No-op for an fd not watched. Call it before closing the fd.
    void remove(int fd) noexcept;
    bool watching(int fd) const;

    // One-shot timers, run on the loop's thread at (or just after) the deadline, in deadline order.
    TimerId at(Clock::time_point deadline, Task handler, std::string name);
    TimerId after(Clock::duration delay, Task handler, std::string name);
    bool cancel(TimerId id) noexcept;  // true when it was pending
    std::optional<Clock::time_point> deadline(TimerId id) const;

    // Runs `task` after the current round's handlers (before the next wait), in order of deferral.
    void defer(Task task, std::string name);
    // Thread-safe: queues `task` for the loop's thread and wakes the loop. Posts from a handler run next round.
    void post(Task task, std::string name);

    // One round: waits until an fd is ready, a timer is due or a task is queued, at most `max_wait` (none:
    // no limit beyond the timers); runs what is ready, then the deferred tasks. Returns the handlers run.
    std::size_t run_once(std::optional<Clock::duration> max_wait = std::nullopt);
    // Rounds until stop().
    void run();
    // From any handler: the current round finishes, then run() returns. Thread-safe (wakes the loop).
    void stop();
    bool stop_requested() const;

    void set_error_hook(ErrorHook hook) { error_hook_ = std::move(hook); }
    const Counters& counters() const { return counters_; }
    std::size_t timers_pending() const { return timers_.size(); }
    // Readable (epoll) whenever this loop has work: lets a loop be polled from another loop or a test.
    int fd() const { return epoll_.get(); }

private:
    struct Watch {
        std::uint64_t key;  // epoll data: fds are reused too soon to be keys
        std::shared_ptr<FdHandler> handler;  // shared: a handler that removes its own fd is still running
        std::string name;
    };
    struct Timer {
        Task handler;
        std::string name;
        Clock::time_point deadline;
    };

    void contain(const std::string& name, const Task& step);
    void arm_timerfd();
    std::size_t run_due_timers();
    void run_tasks(std::vector<std::pair<Task, std::string>>& tasks);
    void wake() noexcept;

    UniqueFd epoll_;
    UniqueFd timerfd_;
    UniqueFd wake_;  // eventfd for post() and stop()
    std::map<int, Watch> watches_;
    std::uint64_t next_key_ = 1;
    std::map<std::pair<Clock::time_point, TimerId>, TimerId> timer_order_;
    std::map<TimerId, Timer> timers_;
    TimerId next_timer_ = 1;
    std::optional<Clock::time_point> armed_;  // the timerfd's pending expiration, if any
    std::vector<std::pair<Task, std::string>> deferred_;
    mutable std::mutex posted_mutex_;
    std::vector<std::pair<Task, std::string>> posted_;
    std::atomic<bool> stop_requested_{false};
    ErrorHook error_hook_;
    Counters counters_;
};

}  // namespace nf
