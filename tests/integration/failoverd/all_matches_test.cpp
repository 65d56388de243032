// failoverd --all-matches: one process, one link monitor, for every standby the rules select, each with its
// own master, now and as NICs come and go; one pair failing (a handler that throws, a master deleted under
// it, settings it refuses) never stops the others; failoverctl lists them all and --master picks one. Real
// veths in namespaces of our own (the lab's sb0/pr0 plus more pairs).
#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>
#include <set>

#include "failoverd_fixture.h"

namespace nf::failoverd::test {
namespace {

using namespace std::chrono_literals;

// A standby name whose renamed form (<name>nsby) does not fit IFNAMSIZ: its pair refuses to start (exit 2).
constexpr const char* kTooLong = "sbwaytoolongnm";

std::string mac_of(int n) { return "02:00:00:77:0" + std::to_string(n) + ":02"; }

class AllMatches : public GuestLabTest<std::string> {
protected:
    void SetUp() override {
        GuestLabTest::SetUp();
        control_dir_ = "/run/netfailover/p" + lab_->tag();
    }
    void TearDown() override {
        if (HasFailure())
            for (auto& d : daemons_) std::cerr << "---- failoverd --all-matches log ----\n" << d->log();
        daemons_.clear();  // SIGKILL if a test left it running; the sweep below removes what it left
        // The masters are named after the standbys, not the lab's tag: the lab's leak check cannot see them.
        for (const std::string master : {"sb0", "sb1", "sb2", "sb3", kTooLong}) {
            sh_status("ip netns del " + lab_->private_netns(master));
            std::error_code ec;
            std::filesystem::remove(lab_->state_file(master), ec);
            std::filesystem::remove("/run/netfailover/" + lab_->key(master) + ".lock", ec);
            std::filesystem::remove_all(lab_->pin_dir(master), ec);
        }
        std::error_code ec;
        std::filesystem::remove_all(control_dir_, ec);
        lab_.reset();
    }

    // Standby sb<n> and its primary pr<n> (n >= 1; the lab has sb0/pr0), each a veth into the host's br0.
    void add_standby(int n, const std::string& name = "") {
        const std::string sb = name.empty() ? "sb" + std::to_string(n) : name;
        sh(lab_->in_host("link add sbh" + std::to_string(n) + " type veth peer name " + sb + " netns " + lab_->guest() +
                         " address " + mac_of(n)));
        sh(lab_->in_host("link set sbh" + std::to_string(n) + " master br0 up"));
        // The supervisor may have taken (renamed) it already: its daemon opens it then.
        sh_status(lab_->in_guest("link set " + sb + " up"));
    }
    void add_primary(int n) {
        sh(lab_->in_host("link add prh" + std::to_string(n) + " type veth peer name pr" + std::to_string(n) + " netns " +
                         lab_->guest() + " address " + mac_of(n)));
        sh(lab_->in_host("link set prh" + std::to_string(n) + " master br0 up"));
        sh_status(lab_->in_guest("link set pr" + std::to_string(n) + " up"));
    }

    // `env`: NAME=VALUE set for the supervisor (the fault injection).
    DaemonProcess& start_supervisor(const std::vector<std::string>& env = {}) {
        std::vector<std::string> launcher;
        if (!env.empty()) {
            launcher.push_back("env");
            launcher.insert(launcher.end(), env.begin(), env.end());
            for (const std::string& a : std::vector<std::string>{"nsenter", "--net=/run/netns/" + lab_->guest(), "--"})
                launcher.push_back(a);
        }
        daemons_.push_back(std::make_unique<DaemonProcess>(
            lab_->guest(),
            std::vector<std::string>{"--all-matches", "--match-name", "sb*", "--control", control_dir_, "--datapath",
                                     GetParam(), "--foreground", "--log-level", "debug"},
            "/tmp/nfp-" + lab_->tag() + ".log", launcher));
        return *daemons_.back();
    }
    std::size_t count_in_log(DaemonProcess& d, const std::string& text) const {
        const std::string log = d.log();
        std::size_t n = 0;
        for (auto at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
        return n;
    }

    std::string control(const std::string& master) const { return control_dir_ + "/" + master + ".sock"; }
    nlohmann::json status(const std::string& master) const {
        return query_status(control(master)).value_or(nlohmann::json::object());
    }
    bool wait_active(const std::string& master, const std::string& which, std::chrono::milliseconds timeout = 10s) {
        return wait_until([&] { return status(master).value("active", "") == which; }, timeout);
    }
    std::string failoverctl(const std::string& args, int* exit_status) const {
        const std::string out = "/tmp/nfp-" + lab_->tag() + ".ctl";
        const int status = std::system((std::string(NF_FAILOVERCTL_BIN) + " " + args + " >" + out + " 2>&1").c_str());
        *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
        const std::string text = sh("cat " + out);
        std::filesystem::remove(out);
        return text;
    }

    std::string control_dir_;
};

TEST_P(AllMatches, EveryMatchingStandbyGetsItsOwnMasterAndSwitchesAlone) {
    add_standby(1);
    add_primary(1);
    add_standby(2);
    add_primary(2);
    DaemonProcess& d = start_supervisor();
    for (const std::string m : {"sb0", "sb1", "sb2"}) {
        SCOPED_TRACE(m);
        ASSERT_TRUE(d.wait_ready(control(m), 20s)) << d.log();
        EXPECT_TRUE(wait_active(m, "primary")) << status(m).dump();
        EXPECT_EQ(status(m).value("master", ""), m);
        EXPECT_TRUE(lab_->link_exists(lab_->guest(), m + "nsby")) << "the standby is renamed while its master has its name";
    }
    // Every pair in the supervisor's process (nsenter execs failoverd: the same pid).
    for (const std::string m : {"sb0", "sb1", "sb2"}) EXPECT_EQ(status(m).value("pid", 0), d.pid()) << m;

    // sb1's primary goes: sb1 falls back to its standby, the others stay on their primaries.
    sh(lab_->in_host("link del prh1"));
    EXPECT_TRUE(wait_active("sb1", "standby")) << status("sb1").dump();
    EXPECT_EQ(status("sb0").value("active", ""), "primary");
    EXPECT_EQ(status("sb2").value("active", ""), "primary");

    // SIGTERM: every pair restores its standby's name and removes its master.
    d.signal(SIGTERM);
    EXPECT_EQ(d.wait_exit(30s), 0) << d.log();
    for (const std::string m : {"sb0", "sb1", "sb2"}) {
        EXPECT_TRUE(lab_->link_exists(lab_->guest(), m)) << m << " has its own name again";
        EXPECT_FALSE(lab_->link_exists(lab_->guest(), m + "nsby"));
        EXPECT_FALSE(std::filesystem::exists(control(m)));
        EXPECT_FALSE(std::filesystem::exists(lab_->state_file(m)));
    }
}

TEST_P(AllMatches, AStandbyAddedLaterGetsItsMasterAndOneRemovedIsReleased) {
    DaemonProcess& d = start_supervisor();
    ASSERT_TRUE(d.wait_ready(control("sb0"), 20s)) << d.log();
    EXPECT_FALSE(std::filesystem::exists(control("sb1")));

    add_primary(1);  // a primary before its standby: paired once the standby's master is there
    add_standby(1);
    ASSERT_TRUE(d.wait_ready(control("sb1"), 20s)) << d.log();
    EXPECT_TRUE(wait_active("sb1", "primary")) << status("sb1").dump();
    const auto sb0_uptime = status("sb0").value("uptime_s", -1);

    // The standby is unplugged (its veth deleted from the host side): its pair is released, the master goes.
    sh(lab_->in_host("link del sbh1"));
    EXPECT_TRUE(wait_until([&] { return !lab_->link_exists(lab_->guest(), "sb1"); }, 15s)) << d.log();
    EXPECT_TRUE(wait_until([&] { return !std::filesystem::exists(control("sb1")); }, 5s));
    EXPECT_TRUE(wait_until([&] { return !std::filesystem::exists(lab_->state_file("sb1")); }, 5s));
    // The primary of a released pair is the guest's again, not enslaved to anything.
    EXPECT_TRUE(lab_->link_exists(lab_->guest(), "pr1"));
    // The other pair never noticed: still the daemon it was.
    EXPECT_GE(status("sb0").value("uptime_s", -1), sb0_uptime);
    EXPECT_EQ(count_in_log(d, "pairs: sb0: serving"), 1u);
    EXPECT_EQ(status("sb0").value("active", ""), "primary");

    // Plugged again: a new pair for it.
    add_standby(1);
    ASSERT_TRUE(d.wait_ready(control("sb1"), 20s)) << d.log();
    EXPECT_TRUE(wait_active("sb1", "primary")) << status("sb1").dump();

    d.signal(SIGTERM);
    EXPECT_EQ(d.wait_exit(30s), 0) << d.log();
}

TEST_P(AllMatches, APairThatRefusesItsSettingsChangesNothingAndStopsNoOther) {
    add_standby(1);
    add_primary(1);
    add_standby(3, kTooLong);  // refuses: <name>nsby is longer than IFNAMSIZ
    DaemonProcess& d = start_supervisor();
    ASSERT_TRUE(d.wait_ready(control("sb0"), 20s)) << d.log();
    ASSERT_TRUE(d.wait_ready(control("sb1"), 20s)) << d.log();
    EXPECT_TRUE(wait_active("sb0", "primary"));
    EXPECT_TRUE(wait_active("sb1", "primary"));
    EXPECT_TRUE(wait_until([&] { return d.log().find(std::string(kTooLong) + ": refused its settings") !=
                                        std::string::npos; }, 10s)) << d.log();
    EXPECT_FALSE(std::filesystem::exists(control(kTooLong)));
    EXPECT_TRUE(lab_->link_exists(lab_->guest(), kTooLong)) << "the refused pair changed nothing";
    EXPECT_EQ(count_in_log(d, std::string(kTooLong) + ": refused"), 1u) << "not retried while its standby stays";

    d.signal(SIGTERM);
    EXPECT_EQ(d.wait_exit(30s), 0) << d.log();
}

// A pair's link handler throws (fault injection in the real binary: the first event about pr1, which
// comes while both pairs serve): that pair is torn down, restoring what it did, and started again after
// its backoff; the other pair keeps serving and switching throughout, the same daemon.
TEST_P(AllMatches, APairWhoseHandlerThrowsIsRestartedAndTheOthersGoOn) {
    add_standby(1);
    DaemonProcess& d = start_supervisor({"NF_FAILOVERD_TEST_THROW_ON_LINK=pr1"});
    ASSERT_TRUE(d.wait_ready(control("sb0"), 20s)) << d.log();
    ASSERT_TRUE(d.wait_ready(control("sb1"), 20s)) << d.log();
    ASSERT_TRUE(wait_active("sb0", "primary")) << status("sb0").dump();
    EXPECT_EQ(status("sb1").value("active", ""), "standby");

    add_primary(1);  // its first event throws in sb1's handler
    EXPECT_TRUE(wait_until([&] { return count_in_log(d, "pairs: sb1: link handler failed: injected fault") == 1; }, 10s))
        << d.log();
    EXPECT_TRUE(wait_until([&] { return count_in_log(d, "pairs: sb1: serving") == 2; }, 20s)) << d.log();
    // Started afresh: it pairs with pr1 from its dump.
    EXPECT_TRUE(wait_active("sb1", "primary")) << status("sb1").dump();
    EXPECT_EQ(status("sb1").value("pid", 0), d.pid());

    // sb0 was never touched, and still switches.
    EXPECT_EQ(count_in_log(d, "pairs: sb0: serving"), 1u);
    lab_->delete_primary();  // pr0
    EXPECT_TRUE(wait_active("sb0", "standby")) << status("sb0").dump();
    EXPECT_EQ(status("sb1").value("active", ""), "primary");

    d.signal(SIGTERM);
    EXPECT_EQ(d.wait_exit(30s), 0) << d.log();
    for (const std::string m : {"sb0", "sb1"}) {
        EXPECT_TRUE(lab_->link_exists(lab_->guest(), m)) << m << " has its own name again";
        EXPECT_FALSE(std::filesystem::exists(lab_->state_file(m))) << m;
    }
}

// A pair's daemon ends on its own (its master deleted under it, as a failoverd alone exits 1): it is torn
// down and started again, building a new master; the other pair goes on.
TEST_P(AllMatches, APairWhoseMasterIsDeletedIsRestartedAndTheOthersGoOn) {
    add_standby(1);
    add_primary(1);
    DaemonProcess& d = start_supervisor();
    ASSERT_TRUE(d.wait_ready(control("sb0"), 20s)) << d.log();
    ASSERT_TRUE(d.wait_ready(control("sb1"), 20s)) << d.log();
    ASSERT_TRUE(wait_active("sb1", "primary")) << status("sb1").dump();
    const int old_master = status("sb1").value("master_ifindex", 0);
    ASSERT_GT(old_master, 0);

    sh(lab_->in_guest("link del sb1"));  // the master, which has the standby's name
    EXPECT_TRUE(wait_until([&] { return count_in_log(d, "pairs: sb1: failed") == 1; }, 10s)) << d.log();
    EXPECT_TRUE(wait_until([&] {
        const int now = status("sb1").value("master_ifindex", 0);
        return now > 0 && now != old_master;
    }, 20s)) << d.log();
    EXPECT_TRUE(wait_active("sb1", "primary")) << status("sb1").dump();
    EXPECT_EQ(count_in_log(d, "pairs: sb0: serving"), 1u);
    EXPECT_EQ(status("sb0").value("active", ""), "primary");

    d.signal(SIGTERM);
    EXPECT_EQ(d.wait_exit(30s), 0) << d.log();
    EXPECT_TRUE(lab_->link_exists(lab_->guest(), "sb1"));
    EXPECT_FALSE(lab_->link_exists(lab_->guest(), "sb1nsby"));
}

TEST_P(AllMatches, FailoverctlListsEveryPairAndMasterPicksOne) {
    add_standby(1);
    add_primary(1);
    DaemonProcess& d = start_supervisor();
    ASSERT_TRUE(d.wait_ready(control("sb0"), 20s)) << d.log();
    ASSERT_TRUE(d.wait_ready(control("sb1"), 20s)) << d.log();
    ASSERT_TRUE(wait_active("sb1", "primary"));

    int rc = -1;
    const std::string all = failoverctl("--control " + control_dir_ + " status --json", &rc);
    EXPECT_EQ(rc, 0) << all;
    const auto listed = nlohmann::json::parse(all, nullptr, false);
    ASSERT_TRUE(listed.is_object()) << all;
    std::set<std::string> masters;
    for (const auto& p : listed.value("pairs", nlohmann::json::array()))
        masters.insert(p.value("status", nlohmann::json::object()).value("master", ""));
    EXPECT_EQ(masters, (std::set<std::string>{"sb0", "sb1"})) << all;
    const std::string text = failoverctl("--control " + control_dir_ + " status", &rc);
    EXPECT_EQ(rc, 0) << text;
    EXPECT_NE(text.find("sb0"), std::string::npos) << text;
    EXPECT_NE(text.find("sb1"), std::string::npos) << text;

    // --master picks one pair.
    const std::string one = failoverctl("--control " + control_dir_ + " --master sb1 status --json", &rc);
    EXPECT_EQ(rc, 0) << one;
    EXPECT_EQ(nlohmann::json::parse(one, nullptr, false).value("master", ""), "sb1") << one;

    // A change needs --master when there are several pairs: a clear error, nothing changed.
    const std::string refused = failoverctl("--control " + control_dir_ + " set active standby", &rc);
    EXPECT_EQ(rc, 2) << refused;
    EXPECT_NE(refused.find("--master"), std::string::npos) << refused;
    EXPECT_EQ(status("sb0").value("active", ""), "primary");
    EXPECT_EQ(status("sb1").value("active", ""), "primary");
    const std::string forced = failoverctl("--control " + control_dir_ + " --master sb1 set active standby", &rc);
    EXPECT_EQ(rc, 0) << forced;
    EXPECT_TRUE(wait_active("sb1", "standby")) << status("sb1").dump();
    EXPECT_EQ(status("sb0").value("active", ""), "primary");

    d.signal(SIGTERM);
    EXPECT_EQ(d.wait_exit(30s), 0) << d.log();
}

INSTANTIATE_TEST_SUITE_P(Datapaths, AllMatches, ::testing::Values(std::string("bpf"), std::string("packet")),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace nf::failoverd::test
