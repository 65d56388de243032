// failoverctl as a user meets it, against a real failoverd in a namespace (issue 12, item 5): -j/--json on
// every verb (replies and errors), state, config dump, list (also sockets one directory down), resync, the
// refusal to force a primary that is not there, and events only on change.
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <fstream>
#include <thread>

#include "failoverd_fixture.h"

namespace nf::failoverd::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

struct Ctl {
    int status = -1;
    std::string out;  // stdout
    std::string err;  // stderr
};

Ctl failoverctl(const std::string& args) {
    const std::string err_path = "/tmp/nfd-ctl-" + std::to_string(::getpid()) + ".err";
    Ctl r;
    FILE* pipe = ::popen((std::string(NF_FAILOVERCTL_BIN) + " " + args + " 2>" + err_path).c_str(), "r");
    if (!pipe) return r;
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) r.out.append(buffer, n);
    const int status = ::pclose(pipe);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream err(err_path);
    r.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
    std::filesystem::remove(err_path);
    return r;
}

class FailoverctlAgainstDaemon : public FailoverdFixture {
protected:
    std::string ctl(const std::string& args) const { return "--control " + lab_->control() + " " + args; }
};

TEST_P(FailoverctlAgainstDaemon, StateShowsSettingsVersionAndUptime) {
    DaemonProcess& d = start();
    const Ctl text = failoverctl(ctl("state"));
    ASSERT_EQ(text.status, 0) << text.err;
    for (const char* shown : {"settings:", "model: 3dev", "datapath: bpf", "standby: sb0", "version: failoverd (netfailover)",
                              "uptime: ", "pid: "})
        EXPECT_NE(text.out.find(shown), std::string::npos) << shown << " missing:\n" << text.out;
    EXPECT_NE(text.out.find(std::to_string(d.pid())), std::string::npos) << text.out;
    const Ctl j = failoverctl(ctl("-j state"));
    ASSERT_EQ(j.status, 0) << j.err;
    const json state = json::parse(j.out).at("state");
    EXPECT_EQ(state["config"]["master"], lab_->master());
    EXPECT_EQ(state["config"]["standby_config"], "takeover");
    EXPECT_TRUE(state["uptime_s"].is_number_integer());
    EXPECT_EQ(state["active"], "primary");
    EXPECT_EQ(state["primary"]["name"], "pr0");
}

TEST_P(FailoverctlAgainstDaemon, ConfigDumpIsAConfigFileFailoverdTakes) {
    start({"--announce", "3", "--rx-grace", "250"});
    const Ctl dump = failoverctl(ctl("config dump"));
    ASSERT_EQ(dump.status, 0) << dump.err;
    const json config = json::parse(dump.out);
    EXPECT_EQ(config["standby"], "sb0");
    EXPECT_EQ(config["announce"]["count"], 3);
    EXPECT_EQ(config["rx_grace_ms"], 250);
    // Given back to failoverd it runs the same: a second master from the dump, on the same standby name,
    // is refused only by the owner lock (the config itself is valid: not exit 2).
    const std::string path = "/tmp/nfd-" + lab_->tag() + "-dump.json";
    std::ofstream(path) << dump.out;
    DaemonProcess& second = launch({"--config", path});
    EXPECT_EQ(second.wait_exit(), 1) << second.log();
    EXPECT_NE(second.log().find("owns this master"), std::string::npos) << second.log();
    std::filesystem::remove(path);
}

TEST_P(FailoverctlAgainstDaemon, JsonRepliesAndErrorsOnEveryVerb) {
    start();
    EXPECT_EQ(json::parse(failoverctl(ctl("-j status")).out).value("master", ""), lab_->master());
    const Ctl set = failoverctl(ctl("-j set active standby"));
    EXPECT_EQ(set.status, 0);
    EXPECT_EQ(json::parse(set.out), (json{{"ok", true}, {"active", "standby"}}));
    const Ctl resync = failoverctl(ctl("-j resync"));
    EXPECT_EQ(resync.status, 0) << resync.err;
    EXPECT_EQ(json::parse(resync.out), (json{{"ok", true}, {"resynced", true}}));
    EXPECT_EQ(failoverctl(ctl("resync")).out, "resynced\n");
    EXPECT_TRUE(wait_active("standby"));

    // Errors: no daemon there (exit 1), a refused request (exit 1), bad usage (exit 2) — all JSON on stdout.
    const Ctl gone = failoverctl("-j --control /run/netfailover/nosuch-" + lab_->tag() + ".sock status");
    EXPECT_EQ(gone.status, 1);
    EXPECT_FALSE(json::parse(gone.out).value("ok", true)) << gone.out;
    EXPECT_NE(json::parse(gone.out).value("error", "").find("nosuch"), std::string::npos) << gone.out;
    const Ctl usage = failoverctl(ctl("-j set active sideways"));
    EXPECT_EQ(usage.status, 2);
    EXPECT_FALSE(json::parse(usage.out).value("ok", true)) << usage.out;
}

TEST_P(FailoverctlAgainstDaemon, ForcingAPrimaryThatIsNotThereIsAnError) {
    start();
    lab_->delete_primary();
    ASSERT_TRUE(wait_until([&] { return status()["primary"].value("name", "") != "pr0"; }, 5s)) << status().dump();
    const Ctl text = failoverctl(ctl("set active primary"));
    EXPECT_EQ(text.status, 1);
    EXPECT_NE(text.err.find("has no primary"), std::string::npos) << text.err;
    const Ctl j = failoverctl(ctl("-j set active primary"));
    EXPECT_EQ(j.status, 1);
    EXPECT_NE(json::parse(j.out).value("error", "").find("has no primary"), std::string::npos) << j.out;
    EXPECT_EQ(status()["active_choice"], "auto") << "the refused choice was applied";
}

TEST_P(FailoverctlAgainstDaemon, ListFindsDaemonsAlsoOneDirectoryDown) {
    const std::string dir = "/run/netfailover/nfd-" + lab_->tag();
    const std::string control = dir + "/vm.sock";
    DaemonProcess& d = launch({"--control", control});
    ASSERT_TRUE(d.wait_ready(control)) << d.log();
    const Ctl list = failoverctl("-j list");
    ASSERT_EQ(list.status, 0) << list.err;
    bool found = false;
    const json listed = json::parse(list.out);  // alive through the loop
    for (const auto& entry : listed.at("daemons"))
        if (entry.value("control", "") == control) {
            found = true;
            EXPECT_TRUE(entry.value("answering", false)) << entry.dump();
            EXPECT_EQ(entry.value("pid", 0), d.pid()) << entry.dump();
            EXPECT_EQ(entry.value("master", ""), lab_->master());
        }
    EXPECT_TRUE(found) << list.out;
    const Ctl text = failoverctl("list");
    EXPECT_NE(text.out.find(lab_->master() + "  pid " + std::to_string(d.pid())), std::string::npos) << text.out;
    d.signal(SIGTERM);
    EXPECT_EQ(d.wait_exit(), 0);
    std::filesystem::remove_all(dir);
}

// An unplug used to give 8 lines, 6 of them about an unchanged standby.
TEST_P(FailoverctlAgainstDaemon, EventsOnlyOnChange) {
    start();
    const std::string out_path = "/tmp/nfd-" + lab_->tag() + "-events.out";
    const pid_t pid = ::fork();
    if (pid == 0) {
        const std::string command = std::string(NF_FAILOVERCTL_BIN) + " " + ctl("events") + " > " + out_path + " 2>&1";
        ::execl("/bin/sh", "sh", "-c", ("exec " + command).c_str(), nullptr);
        ::_exit(127);
    }
    auto events_text = [&] {
        std::ifstream f(out_path);
        return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    };
    std::this_thread::sleep_for(300ms);  // subscribed (the first event arrives only after this)
    lab_->delete_primary();
    ASSERT_TRUE(wait_active("standby"));
    lab_->add_primary();
    ASSERT_TRUE(wait_active("primary"));
    std::this_thread::sleep_for(300ms);
    ::kill(pid, SIGTERM);
    ::waitpid(pid, nullptr, 0);
    const std::string text = events_text();
    std::filesystem::remove(out_path);
    std::map<std::string, json> last;  // slave -> last lower state
    int lines = 0;
    std::istringstream stream(text);
    for (std::string line; std::getline(stream, line);) {
        const json e = json::parse(line, nullptr, false);
        ASSERT_FALSE(e.is_discarded()) << line;
        ++lines;
        if (e.value("event", "") == "slave-left") last.erase(e.value("slave", ""));
        if (e.value("event", "") != "lower-state-changed") continue;
        const json state = {e["link_up"], e["tx_enabled"]};
        const std::string slave = e.value("slave", "");
        EXPECT_FALSE(last.count(slave) && last[slave] == state) << "repeated unchanged state:\n" << text;
        last[slave] = state;
    }
    EXPECT_GT(lines, 0) << "no events seen";
}

INSTANTIATE_TEST_SUITE_P(Setups, FailoverctlAgainstDaemon, ::testing::Values(Setup{"bpf", "3dev"}), setup_name);

}  // namespace
}  // namespace nf::failoverd::test
