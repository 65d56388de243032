#include "common/event_loop.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"

namespace nf {
namespace {

using namespace std::chrono_literals;
using Clock = EventLoop::Clock;

// Bounds every run in these tests: a loop that never wakes fails the test instead of hanging it.
void run_until(EventLoop& loop, const std::function<bool()>& done, Clock::duration bound = 2s) {
    const auto deadline = Clock::now() + bound;
    while (!done() && Clock::now() < deadline) loop.run_once(10ms);
    ASSERT_TRUE(done()) << "not done within the bound";
}

struct SocketPair {
    UniqueFd a, b;
    SocketPair() {
        int fds[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) throw std::runtime_error("socketpair");
        a.reset(fds[0]);
        b.reset(fds[1]);
    }
    void send_byte() const { ASSERT_EQ(::write(b.get(), "x", 1), 1); }
};

bool readable(int fd, int timeout_ms = 0) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) == 1 && (p.revents & POLLIN);
}

TEST(EventLoop, TimersFireInDeadlineOrderAndEqualDeadlinesInCreationOrder) {
    EventLoop loop;
    std::vector<std::string> fired;
    const auto base = Clock::now() + 20ms;
    loop.at(base + 10ms, [&] { fired.push_back("late"); }, "late");
    loop.at(base, [&] { fired.push_back("first-equal"); }, "first-equal");
    loop.at(base, [&] { fired.push_back("second-equal"); }, "second-equal");
    loop.after(1ms, [&] { fired.push_back("soon"); }, "soon");
    run_until(loop, [&] { return fired.size() == 4; });
    EXPECT_EQ(fired, (std::vector<std::string>{"soon", "first-equal", "second-equal", "late"}));
    EXPECT_EQ(loop.counters().timers_fired, 4u);
    EXPECT_EQ(loop.timers_pending(), 0u);
}

TEST(EventLoop, TimerDoesNotFireBeforeItsDeadline) {
    EventLoop loop;
    Clock::time_point fired_at{};
    const auto deadline = Clock::now() + 30ms;
    loop.at(deadline, [&] { fired_at = Clock::now(); }, "t");
    run_until(loop, [&] { return fired_at != Clock::time_point{}; });
    EXPECT_GE(fired_at, deadline);
    EXPECT_LT(fired_at, deadline + 200ms);
}

TEST(EventLoop, CancelPendingFiredAndFromAnotherHandler) {
    EventLoop loop;
    int fired = 0;
    const auto pending = loop.after(10ms, [&] { ++fired; }, "pending");
    EXPECT_TRUE(loop.deadline(pending).has_value());
    EXPECT_TRUE(loop.cancel(pending));
    EXPECT_FALSE(loop.cancel(pending));  // already cancelled
    EXPECT_FALSE(loop.deadline(pending).has_value());

    const auto once = loop.after(0ms, [&] { ++fired; }, "once");
    run_until(loop, [&] { return fired == 1; });
    EXPECT_FALSE(loop.cancel(once));  // already fired
    EXPECT_FALSE(loop.cancel(0));     // never a live timer

    // Two timers due in the same round: the first cancels the second, which must not run.
    const auto when = Clock::now() + 5ms;
    EventLoop::TimerId victim = 0;
    bool cancelled = false;
    loop.at(when, [&] { cancelled = loop.cancel(victim); }, "canceller");
    victim = loop.at(when, [&] { ++fired; }, "victim");
    run_until(loop, [&] { return cancelled; });
    loop.run_once(20ms);
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(loop.timers_pending(), 0u);
}

TEST(EventLoop, CancelledEarliestTimerDoesNotHideTheNext) {
    EventLoop loop;
    bool fired = false;
    const auto early = loop.after(5ms, [] {}, "early");
    loop.after(15ms, [&] { fired = true; }, "later");
    loop.cancel(early);
    run_until(loop, [&] { return fired; });
}

TEST(EventLoop, FdHandlerIsLevelTriggeredAndGetsTheEvents) {
    EventLoop loop;
    SocketPair pair;
    std::uint32_t seen = 0;
    int calls = 0;
    loop.add(pair.a.get(), EPOLLIN, [&](std::uint32_t events) { seen = events; ++calls; }, "reader");
    EXPECT_TRUE(loop.watching(pair.a.get()));
    EXPECT_THROW(loop.add(pair.a.get(), EPOLLIN, [](std::uint32_t) {}, "again"), std::logic_error);
    pair.send_byte();
    loop.run_once(100ms);
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(seen & EPOLLIN);
    loop.run_once(100ms);  // not read: level-triggered, reported again
    EXPECT_EQ(calls, 2);
    loop.modify(pair.a.get(), EPOLLOUT);
    loop.run_once(100ms);
    EXPECT_TRUE(seen & EPOLLOUT);
    EXPECT_THROW(loop.modify(12345, EPOLLIN), std::logic_error);
    EXPECT_GE(loop.counters().fd_events, 3u);
}

TEST(EventLoop, HandlerRemovingItsOwnFdAndAnotherReadyFd) {
    EventLoop loop;
    SocketPair first, second;
    int first_calls = 0, second_calls = 0;
    // Whichever runs first removes both: the other's pending event in this round must not be delivered.
    auto remove_both = [&] {
        loop.remove(first.a.get());
        loop.remove(second.a.get());
    };
    loop.add(first.a.get(), EPOLLIN, [&](std::uint32_t) { ++first_calls; remove_both(); }, "first");
    loop.add(second.a.get(), EPOLLIN, [&](std::uint32_t) { ++second_calls; remove_both(); }, "second");
    first.send_byte();
    second.send_byte();
    loop.run_once(100ms);
    EXPECT_EQ(first_calls + second_calls, 1);
    EXPECT_FALSE(loop.watching(first.a.get()));
    EXPECT_FALSE(loop.watching(second.a.get()));
    loop.run_once(20ms);
    EXPECT_EQ(first_calls + second_calls, 1);
    loop.remove(first.a.get());  // not watched: a no-op
}

TEST(EventLoop, RemovedAndReAddedFdDoesNotGetTheStaleEvent) {
    EventLoop loop;
    SocketPair first, second;
    std::vector<std::string> calls;
    // The first handler to run removes the other's fd and watches it again with a new handler: the event
    // epoll reported for the old watch belongs to it, not to the new one.
    auto swap_other = [&](int other) {
        loop.remove(other);
        loop.add(other, EPOLLIN, [&](std::uint32_t) { calls.push_back("new"); }, "new");
    };
    bool swapped = false;
    loop.add(first.a.get(), EPOLLIN, [&](std::uint32_t) {
        calls.push_back("first");
        if (!std::exchange(swapped, true)) swap_other(second.a.get());
    }, "first");
    loop.add(second.a.get(), EPOLLIN, [&](std::uint32_t) {
        calls.push_back("second");
        if (!std::exchange(swapped, true)) swap_other(first.a.get());
    }, "second");
    first.send_byte();
    second.send_byte();
    loop.run_once(100ms);
    ASSERT_EQ(calls.size(), 1u);
    loop.run_once(100ms);  // next round: the new watch sees the (still unread) byte
    EXPECT_EQ(calls.back(), "new");
}

TEST(EventLoop, DeferredTasksRunAfterTheRoundInOrderBeforeTheNextWait) {
    EventLoop loop;
    SocketPair pair;
    std::vector<std::string> order;
    loop.add(pair.a.get(), EPOLLIN, [&](std::uint32_t) {
        char c;
        [[maybe_unused]] auto n = ::read(pair.a.get(), &c, 1);
        loop.defer([&] {
            order.push_back("d1");
            loop.defer([&] { order.push_back("d3"); }, "d3");  // deferred by a deferred task: same round
        }, "d1");
        loop.defer([&] { order.push_back("d2"); }, "d2");
        order.push_back("fd");
    }, "reader");
    pair.send_byte();
    loop.run_once(100ms);
    EXPECT_EQ(order, (std::vector<std::string>{"fd", "d1", "d2", "d3"}));

    // A task deferred outside a round does not wait behind a blocking run_once.
    bool ran = false;
    loop.defer([&] { ran = true; }, "outside");
    const auto start = Clock::now();
    loop.run_once(std::nullopt);
    EXPECT_TRUE(ran);
    EXPECT_LT(Clock::now() - start, 500ms);
}

TEST(EventLoop, SelfReDeferringTaskDoesNotHangARound) {
    EventLoop loop;
    int runs = 0;
    std::function<void()> again = [&] {
        ++runs;
        loop.defer(again, "again");
    };
    loop.defer(again, "again");
    loop.run_once(0ms);
    EXPECT_GT(runs, 1);
    const int first_round = runs;
    loop.run_once(std::nullopt);  // would block forever if the leftover did not make the next round not wait
    EXPECT_GT(runs, first_round);
}

TEST(EventLoop, SelfReArmingZeroDelayTimerRunsOncePerRound) {
    EventLoop loop;
    int runs = 0;
    std::function<void()> again = [&] {
        ++runs;
        loop.after(0ms, again, "again");
    };
    loop.after(0ms, again, "again");
    loop.run_once(100ms);
    EXPECT_EQ(runs, 1);
    loop.run_once(100ms);
    EXPECT_EQ(runs, 2);
}

TEST(EventLoop, PostFromAnotherThreadWakesTheLoop) {
    EventLoop loop;
    std::atomic<int> posted{0};
    std::thread::id ran_on;
    std::thread poster([&] {
        for (int i = 0; i < 100; ++i) loop.post([&] { ++posted; ran_on = std::this_thread::get_id(); }, "from-thread");
    });
    run_until(loop, [&] { return posted.load() == 100; });
    poster.join();
    EXPECT_EQ(ran_on, std::this_thread::get_id());
    EXPECT_EQ(loop.counters().tasks_run, 100u);
}

TEST(EventLoop, BlockingRunOnceIsWokenByAPost) {
    EventLoop loop;
    bool ran = false;
    std::thread poster([&] {
        std::this_thread::sleep_for(20ms);
        loop.post([&] { ran = true; }, "late-post");
    });
    const auto start = Clock::now();
    while (!ran && Clock::now() - start < 2s) loop.run_once(std::nullopt);
    poster.join();
    EXPECT_TRUE(ran);
}

TEST(EventLoop, StopFromAHandlerFinishesTheRound) {
    EventLoop loop;
    std::vector<std::string> order;
    const auto when = Clock::now() + 5ms;
    loop.at(when, [&] { order.push_back("stopper"); loop.stop(); }, "stopper");
    loop.at(when, [&] { order.push_back("same-round"); }, "same-round");
    loop.after(500ms, [&] { order.push_back("later"); }, "later");
    EXPECT_FALSE(loop.stop_requested());
    loop.run();
    EXPECT_EQ(order, (std::vector<std::string>{"stopper", "same-round"}));
    EXPECT_FALSE(loop.stop_requested());  // consumed by run(): the loop may run again
}

TEST(EventLoop, StopFromAnotherThreadEndsABlockedRun) {
    EventLoop loop;
    std::thread stopper([&] {
        std::this_thread::sleep_for(20ms);
        loop.stop();
    });
    const auto start = Clock::now();
    loop.run();  // nothing to do: only the stop can end it
    stopper.join();
    EXPECT_LT(Clock::now() - start, 2s);
}

TEST(EventLoop, StopBeforeRunIsNotLost) {
    EventLoop loop;
    loop.stop();
    EXPECT_TRUE(loop.stop_requested());
    loop.run();
}

TEST(EventLoop, RunOnceWaitsAtMostMaxWait) {
    EventLoop loop;
    loop.after(10s, [] {}, "far");
    auto start = Clock::now();
    EXPECT_EQ(loop.run_once(30ms), 0u);
    auto waited = Clock::now() - start;
    EXPECT_GE(waited, 29ms);
    EXPECT_LT(waited, 500ms);

    start = Clock::now();
    EXPECT_EQ(loop.run_once(0ms), 0u);
    EXPECT_LT(Clock::now() - start, 50ms);

    // A timer earlier than max_wait ends the wait at the timer.
    bool fired = false;
    loop.after(20ms, [&] { fired = true; }, "near");
    start = Clock::now();
    loop.run_once(5s);
    EXPECT_TRUE(fired);
    EXPECT_LT(Clock::now() - start, 1s);
}

TEST(EventLoop, ThrowingHandlersAreContainedCountedAndReported) {
    EventLoop loop;
    std::vector<std::pair<std::string, std::string>> reported;
    loop.set_error_hook([&](const std::string& name, const std::exception& e) { reported.emplace_back(name, e.what()); });
    SocketPair pair;
    loop.add(pair.a.get(), EPOLLIN, [&](std::uint32_t) {
        loop.remove(pair.a.get());
        throw std::runtime_error("fd boom");
    }, "bad-fd");
    pair.send_byte();
    loop.after(0ms, [] { throw std::runtime_error("timer boom"); }, "bad-timer");
    loop.defer([] { throw 42; }, "bad-deferred");  // not a std::exception
    bool later_ran = false;
    loop.defer([&] { later_ran = true; }, "good-deferred");
    loop.post([] { throw std::logic_error("post boom"); }, "bad-post");
    run_until(loop, [&] { return reported.size() == 4; });
    EXPECT_TRUE(later_ran);
    EXPECT_EQ(loop.counters().handler_errors, 4u);
    std::map<std::string, std::string> by_name(reported.begin(), reported.end());
    EXPECT_EQ(by_name["bad-fd"], "fd boom");
    EXPECT_EQ(by_name["bad-timer"], "timer boom");
    EXPECT_EQ(by_name["bad-deferred"], "unknown exception");
    EXPECT_EQ(by_name["bad-post"], "post boom");

    // A throwing hook is contained too; the loop goes on.
    loop.set_error_hook([](const std::string&, const std::exception&) { throw std::runtime_error("hook boom"); });
    loop.defer([] { throw std::runtime_error("again"); }, "bad-again");
    EXPECT_NO_THROW(loop.run_once(0ms));
    EXPECT_EQ(loop.counters().handler_errors, 5u);
    bool alive = false;
    loop.after(1ms, [&] { alive = true; }, "alive");
    run_until(loop, [&] { return alive; });
}

TEST(EventLoop, FdIsReadableWhenATimerIsDueAndNotBefore) {
    EventLoop loop;
    EXPECT_FALSE(readable(loop.fd()));
    bool fired = false;
    loop.after(30ms, [&] { fired = true; }, "due");
    EXPECT_FALSE(readable(loop.fd()));
    EXPECT_TRUE(readable(loop.fd(), 1000));  // from another loop's poll: wakes at the deadline
    loop.run_once(0ms);
    EXPECT_TRUE(fired);
    EXPECT_FALSE(readable(loop.fd()));  // nothing more due: quiet again

    loop.post([] {}, "posted");
    EXPECT_TRUE(readable(loop.fd()));  // a posted task is work too
    loop.run_once(0ms);
    EXPECT_FALSE(readable(loop.fd()));
}

TEST(EventLoop, RunOnceCountsTheHandlersItRan) {
    EventLoop loop;
    SocketPair pair;
    loop.add(pair.a.get(), EPOLLIN, [&](std::uint32_t) {
        char c;
        [[maybe_unused]] auto n = ::read(pair.a.get(), &c, 1);
    }, "reader");
    pair.send_byte();
    loop.defer([] {}, "task");
    EXPECT_EQ(loop.run_once(100ms), 2u);
    EXPECT_EQ(loop.counters().rounds, 1u);
}

}  // namespace
}  // namespace nf
