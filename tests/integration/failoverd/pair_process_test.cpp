// PairProcess: a pair's failoverd as a child process. A stand-in binary (a shell script) shows what the
// child gets (its config on stdin, a clear signal mask) and how its end is seen (pidfd, status, bounds).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "failoverd/pair_process.h"

namespace nf::failoverd::test {
namespace {

using namespace std::chrono_literals;

class PairProcessTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() / ("nfpp-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::string script(const std::string& body) {
        const auto path = dir_ / "child.sh";
        std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
        ::chmod(path.c_str(), 0755);
        return path.string();
    }
    std::string read(const std::string& name) {
        std::ifstream in(dir_ / name);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

    std::filesystem::path dir_;
};

TEST_F(PairProcessTest, TheChildReadsItsConfigFromStdinAndItsExitStatusIsSeen) {
    const std::string out = (dir_ / "args").string();
    PairProcess p(script("echo \"$1 $2\" > " + out + "; cat \"$2\" >> " + out + "; exit 3"),
                  nlohmann::json{{"standby", "ens4"}});
    EXPECT_EQ(p.wait_exit(10s), 3);
    EXPECT_FALSE(p.running());
    EXPECT_EQ(read("args"), "--config /dev/stdin\n{\"standby\":\"ens4\"}\n");
}

TEST_F(PairProcessTest, ASignalEndsItAndTheBoundedWaitSaysSo) {
    // The supervisor blocks SIGTERM for its signalfd; the child must not inherit that.
    sigset_t term, saved;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, &saved);
    PairProcess p(script("exec sleep 30"), nlohmann::json::object());
    pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    EXPECT_EQ(p.wait_exit(100ms), std::nullopt) << "still running: the wait is bounded";
    EXPECT_TRUE(p.running());
    EXPECT_GE(p.exit_fd(), 0);
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait_exit(10s), 128 + SIGTERM);
}

TEST_F(PairProcessTest, ABinaryThatCannotRunIsExit127) {
    PairProcess p((dir_ / "missing").string(), nlohmann::json::object());
    EXPECT_EQ(p.wait_exit(10s), 127);
}

TEST_F(PairProcessTest, DestroyingARunningOneKillsAndReapsIt) {
    pid_t pid = 0;
    {
        PairProcess p(script("exec sleep 30"), nlohmann::json::object());
        pid = p.pid();
        ASSERT_GT(pid, 0);
    }
    EXPECT_NE(::kill(pid, 0), 0) << "reaped: no zombie, no process";
}

}  // namespace
}  // namespace nf::failoverd::test
