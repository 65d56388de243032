// Acceptor over a real unix listener: bursts are taken a share per round, and running out of fds pauses
// the listener for a bounded time instead of spinning the loop or throwing out of it.
#include "common/acceptor.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/resource.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

#include "common/unix_socket.h"

namespace nf {
namespace {

using namespace std::chrono_literals;

// RLIMIT_NOFILE lowered to the lowest free fd: every fd below it is open, so no new fd can be made.
class NoMoreFds {
public:
    NoMoreFds() {
        if (::getrlimit(RLIMIT_NOFILE, &saved_) != 0) throw std::runtime_error("getrlimit");
        const int lowest = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (lowest < 0) throw std::runtime_error("open /dev/null");
        ::close(lowest);
        const rlimit low{static_cast<rlim_t>(lowest), saved_.rlim_max};
        if (::setrlimit(RLIMIT_NOFILE, &low) != 0) throw std::runtime_error("setrlimit");
    }
    ~NoMoreFds() { ::setrlimit(RLIMIT_NOFILE, &saved_); }
    NoMoreFds(const NoMoreFds&) = delete;
    NoMoreFds& operator=(const NoMoreFds&) = delete;

private:
    rlimit saved_{};
};

class AcceptorTest : public ::testing::Test {
protected:
    AcceptorTest() {
        std::string pattern = (std::filesystem::temp_directory_path() / "nf-acceptor-XXXXXX").string();
        if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
        dir = pattern;
        listener = listen_unix(path(), 64);
    }
    ~AcceptorTest() override { std::filesystem::remove_all(dir); }
    std::string path() const { return (dir / "a.sock").string(); }

    std::filesystem::path dir;
    UnixListener listener;
    EventLoop loop;
    std::vector<UniqueFd> accepted;
};

TEST_F(AcceptorTest, ABurstIsTakenAShareARound) {
    Acceptor acceptor(loop, listener.fd(), "test accept", [&](UniqueFd fd) { accepted.push_back(std::move(fd)); });
    std::vector<UniqueFd> clients;
    for (int i = 0; i < Acceptor::kMaxAcceptsPerRound + 8; ++i) clients.push_back(connect_unix(path(), 1000ms));
    loop.run_once(500ms);
    EXPECT_EQ(accepted.size(), static_cast<std::size_t>(Acceptor::kMaxAcceptsPerRound));
    loop.run_once(500ms);
    EXPECT_EQ(accepted.size(), clients.size());
    EXPECT_EQ(acceptor.counters().accepted, clients.size());
    EXPECT_EQ(acceptor.counters().exhausted, 0u);
}

TEST_F(AcceptorTest, OutOfFdsPausesThenResumes) {
    Acceptor acceptor(loop, listener.fd(), "test accept", [&](UniqueFd fd) { accepted.push_back(std::move(fd)); },
                      50ms);
    UniqueFd client = connect_unix(path(), 1000ms);
    {
        const NoMoreFds limit;
        loop.run_once(500ms);
        EXPECT_EQ(acceptor.counters().exhausted, 1u);
        EXPECT_TRUE(acceptor.paused());
        EXPECT_EQ(loop.run_once(20ms), 0u) << "the pending connection must not run the handler while paused";
    }
    const auto deadline = EventLoop::Clock::now() + 2s;
    while (accepted.empty() && EventLoop::Clock::now() < deadline) loop.run_once(10ms);
    ASSERT_EQ(accepted.size(), 1u);
    EXPECT_FALSE(acceptor.paused());
    EXPECT_EQ(loop.counters().handler_errors, 0u);
}

TEST_F(AcceptorTest, DestroyedWhilePausedLeavesNoWatchOrTimerBehind) {
    UniqueFd client = connect_unix(path(), 1000ms);
    {
        Acceptor acceptor(loop, listener.fd(), "test accept", [](UniqueFd) {});
        EXPECT_TRUE(loop.watching(listener.fd()));
        const NoMoreFds limit;
        loop.run_once(500ms);
        ASSERT_TRUE(acceptor.paused());
        EXPECT_EQ(loop.timers_pending(), 1u);
    }
    EXPECT_FALSE(loop.watching(listener.fd()));
    EXPECT_EQ(loop.timers_pending(), 0u);
}

}  // namespace
}  // namespace nf
