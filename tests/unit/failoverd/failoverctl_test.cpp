// The failoverctl binary against a real ControlServer: the test pumps the server while the child runs.
#include <gtest/gtest.h>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "common/error.h"
#include "failoverd_control/control_server.h"
#include "failoverd_control/control_target.h"
#include "failoverd_control/status_report.h"
#include "temp_dir.h"
#include "test_loop.h"

namespace nf::daemon {
namespace {

using nlohmann::json;
using test::TempDir;

using test::loop;

struct CtlRun {
    int status = -1;
    std::string output;   // stdout and stderr together
};

// Runs failoverctl with `args`, serving `server` (if any) until the child exits.
CtlRun failoverctl(const std::string& args, ControlServer* server) {
    const std::string command = std::string(NF_FAILOVERCTL) + " " + args + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("popen failed");
    CtlRun run;
    for (bool open = true; open;) {
        pollfd fds[2] = {{::fileno(pipe), POLLIN, 0}, {server ? loop().fd() : -1, POLLIN, 0}};
        if (::poll(fds, 2, 5000) <= 0) break;   // a hung child fails the test below, not the suite
        if (fds[1].revents & POLLIN) loop().run_once(std::chrono::milliseconds(0));
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            char buffer[4096];
            const ssize_t n = ::read(::fileno(pipe), buffer, sizeof(buffer));
            if (n <= 0) open = false;
            else run.output.append(buffer, static_cast<std::size_t>(n));
        }
    }
    const int status = ::pclose(pipe);
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return run;
}

class FailoverctlTest : public ::testing::Test {
protected:
    FailoverctlTest()
        : server(loop(), path, {[this] { return report; },
                        [this](ActiveChoice c) -> std::optional<std::string> {
                            if (c == ActiveChoice::primary) return "no primary is present";
                            report.active_choice = std::string(to_string(c));
                            return std::nullopt;
                        }}) {
        report.master = "eth0";
        report.active = "standby";
        report.standby = {"ens4", 3, true, true, true};
    }

    TempDir dir;
    std::string path = dir / "eth0.sock";
    StatusReport report;
    ControlServer server;
};

TEST_F(FailoverctlTest, StatusTable) {
    const CtlRun run = failoverctl("--control " + path + " status", &server);
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_EQ(run.output, format_status(to_json(report)));
}

TEST_F(FailoverctlTest, StatusJson) {
    const CtlRun run = failoverctl("--control " + path + " status --json", &server);
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_EQ(json::parse(run.output), to_json(report));
}

TEST_F(FailoverctlTest, SetActive) {
    CtlRun run = failoverctl("--control " + path + " set active standby", &server);
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_EQ(report.active_choice, "standby");
    run = failoverctl("--control " + path + " set active primary", &server);
    EXPECT_EQ(run.status, 1);
    EXPECT_EQ(run.output, "failoverctl: failoverd: no primary is present\n");
}

TEST_F(FailoverctlTest, BadUsageIsExitTwo) {
    EXPECT_EQ(failoverctl("--control " + path + " set active sideways", nullptr).status, 2);
    EXPECT_EQ(failoverctl("--control " + path + " frobnicate", nullptr).status, 2);
}

TEST_F(FailoverctlTest, FindsTheOnlyDaemonInTheDirectory) {
    EXPECT_EQ(choose_control_path(std::nullopt, std::nullopt, dir.path().string()), path);
    ControlServer other(loop(), dir / "eth1.sock", {[] { return StatusReport{}; }, [](ActiveChoice) { return std::nullopt; }});
    try {
        choose_control_path(std::nullopt, std::nullopt, dir.path().string());
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("several failoverd"), std::string::npos);
    }
}

// --control DIR (failoverd --all-matches's socket directory): `status` lists every daemon there, --master
// picks one, and a change without --master is refused while there are several.
TEST_F(FailoverctlTest, ADirectoryOfPairsListsEveryOneAndMasterPicksOne) {
    ControlServer other(loop(), dir / "eth1.sock",
                        {[] {
                             StatusReport eth1;
                             eth1.master = "eth1";
                             eth1.active = "primary";
                             return eth1;
                         },
                         [](ActiveChoice) -> std::optional<std::string> { return "must not be asked"; }});
    CtlRun run = failoverctl("--control " + dir.path().string() + " status --json", &server);
    EXPECT_EQ(run.status, 0) << run.output;
    const json listed = json::parse(run.output, nullptr, false);
    ASSERT_TRUE(listed.is_object()) << run.output;
    ASSERT_EQ(listed["pairs"].size(), 2u) << run.output;
    EXPECT_EQ(listed["pairs"][0]["status"]["master"], "eth0");
    EXPECT_EQ(listed["pairs"][1]["status"]["master"], "eth1");
    EXPECT_EQ(listed["pairs"][1]["control"], dir / "eth1.sock");

    run = failoverctl("--control " + dir.path().string() + " status", &server);
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_NE(run.output.find("== " + path + " =="), std::string::npos) << run.output;
    EXPECT_NE(run.output.find("eth1"), std::string::npos) << run.output;

    run = failoverctl("--control " + dir.path().string() + " --master eth1 status --json", &server);
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_EQ(json::parse(run.output, nullptr, false).value("master", ""), "eth1") << run.output;

    run = failoverctl("--control " + dir.path().string() + " set active standby", &server);
    EXPECT_EQ(run.status, 2) << run.output;
    EXPECT_NE(run.output.find("pick one with --master NAME"), std::string::npos) << run.output;
    EXPECT_EQ(report.active_choice, "auto") << "nothing changed";
    run = failoverctl("--control " + dir.path().string() + " --master eth0 set active standby", &server);
    EXPECT_EQ(run.status, 0) << run.output;
    EXPECT_EQ(report.active_choice, "standby");
}

TEST(Failoverctl, FindsADaemonWhoseSocketIsOneDirectoryDown) {
    TempDir dir;
    std::filesystem::create_directories(dir / "lab1");
    ControlServer lab_vm(loop(), dir / "lab1/vm1.sock",
                         {[] { return StatusReport{}; }, [](ActiveChoice) { return std::nullopt; }});
    EXPECT_EQ(choose_control_path(std::nullopt, std::nullopt, dir.path().string()), (dir / "lab1/vm1.sock"));
    ControlServer top(loop(), dir / "eth0.sock", {[] { return StatusReport{}; }, [](ActiveChoice) { return std::nullopt; }});
    EXPECT_EQ(find_control_sockets(dir.path().string()),
              (std::vector<std::string>{(dir / "eth0.sock"), (dir / "lab1/vm1.sock")}));
}

TEST(Failoverctl, EventsPrintsOneLinePerEventUntilTheDaemonGoes) {
    TempDir dir;
    auto server = std::make_unique<ControlServer>(
        loop(), dir / "eth0.sock", ControlHandlers{[] { return StatusReport{}; }, [](ActiveChoice) { return std::nullopt; }});
    const std::string command = std::string(NF_FAILOVERCTL) + " --control " + (dir / "eth0.sock") + " events 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    bool published = false;
    for (bool open = true; open;) {
        pollfd fds[2] = {{::fileno(pipe), POLLIN, 0}, {server ? loop().fd() : -1, POLLIN, 0}};
        if (::poll(fds, 2, 5000) <= 0) break;
        if (server && (fds[1].revents & POLLIN)) {
            loop().run_once(std::chrono::milliseconds(0));
            if (!published && server->subscriber_count() == 1) {
                published = true;
                server->publish_event({{"event", "switch"}, {"to", "primary"}});
                server->publish_event({{"event", "switch"}, {"to", "standby"}});
            }
        }
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            char buffer[4096];
            const ssize_t n = ::read(::fileno(pipe), buffer, sizeof(buffer));
            if (n <= 0) open = false;
            else output.append(buffer, static_cast<std::size_t>(n));
            if (output.find("standby") != std::string::npos) server.reset();   // the daemon stops
        }
    }
    const int status = ::pclose(pipe);
    EXPECT_EQ(output,
              "{\"event\":\"switch\",\"to\":\"primary\"}\n"
              "{\"event\":\"switch\",\"to\":\"standby\"}\n"
              "failoverctl: failoverd closed the connection\n");
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1);
}

TEST(Failoverctl, NoDaemonIsAClearErrorAndExitOne) {
    TempDir dir;
    const CtlRun run = failoverctl("--control " + (dir / "none.sock") + " status", nullptr);
    EXPECT_EQ(run.status, 1);
    EXPECT_EQ(run.output, "failoverctl: no failoverd at " + (dir / "none.sock") + ": No such file or directory\n");
}

}  // namespace
}  // namespace nf::daemon
