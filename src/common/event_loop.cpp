// EventLoop: epoll + one timerfd (armed to the earliest deadline) + one eventfd (post/stop).
// Hand-written over epoll rather than libevent/libuv/asio: none is in the project's library set, and what we
// need (level-triggered fds, one-shot deadlines, containment of handler exceptions) is this one file.
#include "common/event_loop.h"

#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include <spdlog/spdlog.h>

#include <array>
#include <cerrno>
#include <stdexcept>

#include "common/error.h"

namespace nf {

namespace {

// epoll data: the watch's key in the high half, the fd in the low half. Key 0 marks the loop's own fds.
constexpr std::uint64_t pack(std::uint64_t key, int fd) { return (key << 32) | static_cast<std::uint32_t>(fd); }
constexpr int unpacked_fd(std::uint64_t data) { return static_cast<int>(static_cast<std::uint32_t>(data)); }
constexpr std::uint64_t unpacked_key(std::uint64_t data) { return data >> 32; }

// A chain of deferrals (a deferred task deferring another) runs in the same round up to this many passes;
// the rest waits for the next round (which then does not block), so a task re-deferring itself cannot hang a
// round.
constexpr int kMaxDeferPasses = 64;
constexpr int kMaxEventsPerRound = 64;

int epoll_timeout_ms(std::optional<EventLoop::Clock::duration> max_wait) {
    if (!max_wait) return -1;
    if (*max_wait <= EventLoop::Clock::duration::zero()) return 0;
    // Rounded up: a wait shorter than asked would spin on sub-millisecond remainders.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*max_wait).count();
    return ms > INT32_MAX ? INT32_MAX : static_cast<int>(ms);
}

void drain_counter(int fd) noexcept {
    std::uint64_t value = 0;
    [[maybe_unused]] const auto n = ::read(fd, &value, sizeof value);  // non-blocking; EAGAIN means nothing due
}

}  // namespace

EventLoop::EventLoop()
    : epoll_(static_cast<int>(check_syscall(::epoll_create1(EPOLL_CLOEXEC), "event loop: epoll_create1"))),
      timerfd_(static_cast<int>(check_syscall(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC),
                                              "event loop: timerfd_create"))),
      wake_(static_cast<int>(check_syscall(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "event loop: eventfd"))) {
    for (const int fd : {timerfd_.get(), wake_.get()}) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.u64 = pack(0, fd);
        check_syscall(::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event), "event loop: epoll_ctl ADD");
    }
}

EventLoop::~EventLoop() = default;

void EventLoop::add(int fd, std::uint32_t events, FdHandler handler, std::string name) {
    if (fd < 0) throw std::logic_error("event loop: add " + name + ": invalid fd");
    if (watches_.contains(fd)) throw std::logic_error("event loop: add " + name + ": fd " + std::to_string(fd) +
                                                      " already watched (by " + watches_.at(fd).name + ")");
    const std::uint64_t key = next_key_;
    next_key_ = next_key_ >= UINT32_MAX ? 1 : next_key_ + 1;
    epoll_event event{};
    event.events = events;
    event.data.u64 = pack(key, fd);
    check_syscall(::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event), "event loop: watch " + name);
    watches_.emplace(fd, Watch{key, std::make_shared<FdHandler>(std::move(handler)), std::move(name)});
}

void EventLoop::modify(int fd, std::uint32_t events) {
    const auto it = watches_.find(fd);
    if (it == watches_.end()) throw std::logic_error("event loop: modify: fd " + std::to_string(fd) + " not watched");
    epoll_event event{};
    event.events = events;
    event.data.u64 = pack(it->second.key, fd);
    check_syscall(::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event), "event loop: modify " + it->second.name);
}

void EventLoop::remove(int fd) noexcept {
    const auto it = watches_.find(fd);
    if (it == watches_.end()) return;
    // May fail only when the fd was already closed (the kernel dropped it from the set then): nothing left to do.
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
    watches_.erase(it);  // a running handler holds its own reference to its callable
}

bool EventLoop::watching(int fd) const { return watches_.contains(fd); }

EventLoop::TimerId EventLoop::at(Clock::time_point deadline, Task handler, std::string name) {
    const TimerId id = next_timer_++;
    timers_.emplace(id, Timer{std::move(handler), std::move(name), deadline});
    timer_order_.emplace(std::make_pair(deadline, id), id);
    arm_timerfd();
    return id;
}

EventLoop::TimerId EventLoop::after(Clock::duration delay, Task handler, std::string name) {
    return at(Clock::now() + delay, std::move(handler), std::move(name));
}

bool EventLoop::cancel(TimerId id) noexcept {
    const auto it = timers_.find(id);
    if (it == timers_.end()) return false;
    timer_order_.erase({it->second.deadline, id});
    timers_.erase(it);
    try {
        arm_timerfd();
    } catch (const std::exception& e) {
        // The timerfd stays armed earlier than needed: one spurious wake-up, no lost timer.
        spdlog::warn("event loop: re-arm after cancel: {}", e.what());
    }
    return true;
}

std::optional<EventLoop::Clock::time_point> EventLoop::deadline(TimerId id) const {
    const auto it = timers_.find(id);
    if (it == timers_.end()) return std::nullopt;
    return it->second.deadline;
}

void EventLoop::defer(Task task, std::string name) { deferred_.emplace_back(std::move(task), std::move(name)); }

void EventLoop::post(Task task, std::string name) {
    {
        std::lock_guard lock(posted_mutex_);
        posted_.emplace_back(std::move(task), std::move(name));
    }
    wake();
}

void EventLoop::stop() {
    stop_requested_ = true;
    wake();
}

bool EventLoop::stop_requested() const { return stop_requested_; }

void EventLoop::run() {
    while (!stop_requested_.exchange(false)) run_once();
}

std::size_t EventLoop::run_once(std::optional<Clock::duration> max_wait) {
    // Work already queued, or a timer already due, must not wait behind a blocking epoll_wait.
    if (!deferred_.empty() || (!timer_order_.empty() && timer_order_.begin()->first.first <= Clock::now()))
        max_wait = Clock::duration::zero();
    std::array<epoll_event, kMaxEventsPerRound> events{};
    int ready = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), epoll_timeout_ms(max_wait));
    if (ready < 0) {
        if (errno != EINTR) throw_errno("event loop: epoll_wait");
        ready = 0;  // a signal: run what is due, then wait again
    }
    ++counters_.rounds;
    std::size_t run = 0;

    std::vector<std::pair<Task, std::string>> posted;
    for (int i = 0; i < ready; ++i) {
        const std::uint64_t data = events[static_cast<std::size_t>(i)].data.u64;
        if (unpacked_key(data) != 0) continue;
        if (unpacked_fd(data) == timerfd_.get()) {
            drain_counter(timerfd_.get());
            armed_.reset();  // the expiration is consumed: the next arm_timerfd() must set it again
        } else {
            drain_counter(wake_.get());
        }
    }
    {
        std::lock_guard lock(posted_mutex_);
        posted.swap(posted_);
    }

    for (int i = 0; i < ready; ++i) {
        const epoll_event& event = events[static_cast<std::size_t>(i)];
        const std::uint64_t key = unpacked_key(event.data.u64);
        if (key == 0) continue;
        const auto it = watches_.find(unpacked_fd(event.data.u64));
        // Removed by an earlier handler of this round (maybe re-added: another key): its events are stale.
        if (it == watches_.end() || it->second.key != key) continue;
        const std::shared_ptr<FdHandler> handler = it->second.handler;  // survives remove() inside the handler
        const std::string name = it->second.name;
        const std::uint32_t fired = event.events;
        ++counters_.fd_events;
        ++run;
        contain(name, [&] { (*handler)(fired); });
    }

    run += run_due_timers();
    counters_.tasks_run += posted.size();
    run += posted.size();
    run_tasks(posted);
    for (int pass = 0; pass < kMaxDeferPasses && !deferred_.empty(); ++pass) {
        std::vector<std::pair<Task, std::string>> tasks;
        tasks.swap(deferred_);
        counters_.tasks_run += tasks.size();
        run += tasks.size();
        run_tasks(tasks);
    }
    arm_timerfd();
    return run;
}

std::size_t EventLoop::run_due_timers() {
    // The timers due when the round looked: one a handler adds for "now" runs next round, so a timer that
    // re-arms itself with no delay cannot keep a round from ending.
    const auto now = Clock::now();
    std::vector<TimerId> due;
    for (const auto& [when, id] : timer_order_) {
        if (when.first > now) break;
        due.push_back(id);
    }
    std::size_t run = 0;
    for (const TimerId id : due) {
        const auto it = timers_.find(id);
        if (it == timers_.end()) continue;  // cancelled by an earlier handler of this round
        Timer timer = std::move(it->second);
        timer_order_.erase({timer.deadline, id});
        timers_.erase(it);
        ++counters_.timers_fired;
        ++run;
        contain(timer.name, timer.handler);
    }
    return run;
}

void EventLoop::run_tasks(std::vector<std::pair<Task, std::string>>& tasks) {
    for (auto& [task, name] : tasks) contain(name, task);
}

void EventLoop::contain(const std::string& name, const Task& step) {
    const auto failed = [&](const std::exception& error) {
        ++counters_.handler_errors;
        spdlog::error("event loop: handler '{}' failed: {}", name, error.what());
        if (!error_hook_) return;
        try {
            error_hook_(name, error);
        } catch (const std::exception& e) {
            spdlog::error("event loop: error hook for '{}' failed: {}", name, e.what());
        } catch (...) {
            spdlog::error("event loop: error hook for '{}' failed", name);
        }
    };
    try {
        step();
    } catch (const std::exception& e) {
        failed(e);
    } catch (...) {
        failed(std::runtime_error("unknown exception"));
    }
}

void EventLoop::arm_timerfd() {
    std::optional<Clock::time_point> earliest;
    if (!timer_order_.empty()) earliest = timer_order_.begin()->first.first;
    if (earliest == armed_) return;
    itimerspec spec{};  // all zero: disarmed
    if (earliest) {
        // steady_clock is CLOCK_MONOTONIC; an absolute time in the past expires at once (0 would disarm).
        const auto ns = std::max<std::int64_t>(
            1, std::chrono::duration_cast<std::chrono::nanoseconds>(earliest->time_since_epoch()).count());
        spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
        spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    }
    check_syscall(::timerfd_settime(timerfd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr), "event loop: timerfd_settime");
    armed_ = earliest;
}

void EventLoop::wake() noexcept {
    const std::uint64_t one = 1;
    // Fails only when the counter would overflow: the loop is then already woken.
    [[maybe_unused]] const auto n = ::write(wake_.get(), &one, sizeof one);
}

}  // namespace nf
