// failoverd's lifecycle: SIGTERM restores, SIGKILL (bpf) keeps traffic and a restart adopts, bad
// configuration changes nothing.
#include <signal.h>

#include <filesystem>
#include <future>

#include "../../support/ping_stream.h"
#include "failoverd_fixture.h"

namespace nf::failoverd::test {
namespace {

using namespace std::chrono_literals;

class Lifecycle : public FailoverdFixture {};

TEST_P(Lifecycle, SigtermRestoresTheSystem) {
    const std::string links_before = sh(lab_->in_guest("-br link"));
    DaemonProcess& d = start();
    d.signal(SIGTERM);
    EXPECT_EQ(d.wait_exit(), 0);
    EXPECT_FALSE(lab_->link_exists(lab_->guest(), lab_->master()));
    EXPECT_FALSE(lab_->link_exists(lab_->guest(), lab_->master().substr(0, 13) + "fo"));
    EXPECT_NE(sh_status("ip netns pids " + lab_->private_netns()), 0) << "private namespace left behind";
    EXPECT_FALSE(std::filesystem::exists(lab_->state_file(lab_->master())));
    EXPECT_FALSE(std::filesystem::exists(lab_->control()));
    // The standby is back in the guest, up, with no master.
    const std::string sb0 = lab_->link_json(lab_->guest(), "sb0");
    EXPECT_EQ(sb0.find("\"master\""), std::string::npos) << sb0;
    EXPECT_NE(sb0.find("\"UP\""), std::string::npos) << sb0;
    EXPECT_TRUE(lab_->link_exists(lab_->guest(), "pr0"));
}

TEST_P(Lifecycle, SigkillThenRestartKeepsOrRestoresTraffic) {
    DaemonProcess& first = start();
    lab_->configure_master_ip();
    ASSERT_TRUE(lab_->ping());
    first.signal(SIGKILL);
    ASSERT_TRUE(first.wait_exit());
    if (bpf()) {
        // The tc programs and pinned maps outlive the daemon: traffic keeps flowing on the current slave.
        EXPECT_TRUE(lab_->ping());
        // A restarted daemon adopts them without a gap: a ping stream across the restart loses nothing.
        // The stream runs until the adoption is well behind it, however slow the machine is.
        nf::test::PingStream stream(lab_->guest(), kHostIp, 0.01);
        ASSERT_TRUE(wait_until([&] { return stream.replies() >= 20; }, 10s)) << stream.stop().output;
        const auto restart_at = nf::test::PingStream::Clock::now();
        start();
        ASSERT_TRUE(wait_until([&] { return status().value("adopted", false); }, 10s)) << status().dump();
        const auto adopted_at = nf::test::PingStream::Clock::now();
        EXPECT_TRUE(wait_until([&] { return stream.replies_since(adopted_at + 300ms) >= 10; }, 10s));
        const auto r = stream.stop();
        EXPECT_FALSE(r.ended_by_itself) << "the stream ended before the test stopped it\n" << r.output;
        ASSERT_TRUE(r.first_reply && r.last_reply) << r.output;
        EXPECT_LT(*r.first_reply, restart_at) << "the stream did not start before the restart";
        EXPECT_GT(*r.last_reply, adopted_at + 300ms) << "the stream did not outlast the adoption";
        EXPECT_TRUE(r.missing.empty()) << "packets lost across the restart: " << nf::test::describe_loss(r);
        EXPECT_EQ(r.duplicates, 0) << r.output;
        EXPECT_TRUE(status().value("adopted", false));
        EXPECT_EQ(status()["active"], "primary");
        // And the adopted master is live: it still fails over.
        lab_->delete_primary();
        EXPECT_TRUE(wait_active("standby"));
        EXPECT_TRUE(lab_->ping());
    } else {
        // The TAP died with the process; a restart cleans up what is left and starts afresh.
        start();
        EXPECT_FALSE(status().value("adopted", true));
        EXPECT_EQ(status()["active"], "primary");
        lab_->configure_master_ip();
        EXPECT_TRUE(lab_->ping());
    }
}

TEST_P(Lifecycle, SecondDaemonForTheSameMasterIsRefusedAndChangesNothing) {
    start();
    lab_->configure_master_ip();
    DaemonProcess& second = launch();
    EXPECT_EQ(second.wait_exit(), 1) << second.log();
    EXPECT_EQ(status()["active"], "primary");
    EXPECT_TRUE(lab_->ping());
}

// Without --master the master takes the standby's name and the standby becomes <name>nsby; SIGKILL and a
// restart keep (bpf: adopt) or redo that, SIGTERM gives the standby its name back. By name and by rule.
TEST_P(Lifecycle, MasterTakesTheStandbysNameUntilStop) {
    const std::string name = "s" + lab_->tag();  // the lab's sb0, renamed: one name per test
    const std::string renamed = name + "nsby";
    const std::string control = "/run/netfailover/" + name + ".sock";
    const std::string private_ns = lab_->private_netns(name);
    sh(lab_->in_guest("link set sb0 down"));
    sh(lab_->in_guest("link set sb0 name " + name));
    sh(lab_->in_guest("link set " + name + " up"));
    const std::string ifindex_before = nlohmann::json::parse(lab_->link_json(lab_->guest(), name))[0]["ifindex"].dump();

    for (const bool by_rule : {false, true}) {
        SCOPED_TRACE(by_rule ? "by rule" : "by name");
        std::vector<std::string> args = {"--model", GetParam().model, "--datapath", GetParam().datapath,
                                         "--foreground", "--log-level", "debug"};
        const std::vector<std::string> standby =
            by_rule ? std::vector<std::string>{"--match-name", name + "*"} : std::vector<std::string>{"--standby", name};
        args.insert(args.begin(), standby.begin(), standby.end());
        auto run = [&] {
            daemons_.push_back(std::make_unique<DaemonProcess>(
                lab_->guest(), args, "/tmp/nfd-" + lab_->tag() + "-" + std::to_string(daemons_.size()) + ".log"));
            EXPECT_TRUE(daemons_.back()->wait_ready(control)) << daemons_.back()->log();
            return daemons_.back().get();
        };
        auto expect_running = [&] {
            const auto s = query_status(control).value_or(nlohmann::json::object());
            EXPECT_EQ(s.value("master", ""), name);
            EXPECT_TRUE(lab_->link_exists(lab_->guest(), name));
            EXPECT_NE(nlohmann::json::parse(lab_->link_json(lab_->guest(), name))[0]["ifindex"].dump(), ifindex_before)
                << "the master, not the standby, has the name";
            EXPECT_TRUE(lab_->link_exists(hidden() ? private_ns : lab_->guest(), renamed));
        };

        DaemonProcess* first = run();
        expect_running();
        sh(lab_->in_guest("addr add 10.77.0.2/24 dev " + name));
        EXPECT_TRUE(lab_->ping());

        first->signal(SIGKILL);
        ASSERT_TRUE(first->wait_exit());
        DaemonProcess* second = run();
        EXPECT_EQ(query_status(control).value_or(nlohmann::json::object()).value("adopted", false), bpf());
        expect_running();
        if (!bpf()) sh(lab_->in_guest("addr add 10.77.0.2/24 dev " + name));
        EXPECT_TRUE(lab_->ping());

        second->signal(SIGTERM);
        EXPECT_EQ(second->wait_exit(), 0) << second->log();
        // The standby has its name back, is up and has no master; no master, holder or private namespace.
        const std::string standby_json = lab_->link_json(lab_->guest(), name);
        if (!hidden()) {  // a namespace move may give it a new ifindex
            EXPECT_EQ(nlohmann::json::parse(standby_json)[0]["ifindex"].dump(), ifindex_before) << standby_json;
        }
        EXPECT_NE(standby_json.find(kGuestMac), std::string::npos) << standby_json;
        EXPECT_EQ(standby_json.find("\"master\""), std::string::npos) << standby_json;
        EXPECT_NE(standby_json.find("\"UP\""), std::string::npos) << standby_json;
        EXPECT_FALSE(lab_->link_exists(lab_->guest(), renamed));
        EXPECT_FALSE(lab_->link_exists(lab_->guest(), name + "fo"));
        EXPECT_NE(sh_status("ip netns pids " + private_ns), 0) << "private namespace left behind";
        EXPECT_FALSE(std::filesystem::exists(lab_->state_file(name)));
        EXPECT_FALSE(std::filesystem::exists(control));
    }
}

INSTANTIATE_TEST_SUITE_P(Setups, Lifecycle,
                         ::testing::Values(Setup{"bpf", "3dev"}, Setup{"bpf", "hidden"}, Setup{"packet", "3dev"},
                                           Setup{"packet", "hidden"}),
                         setup_name);

// Bad flags, a bad config file or a missing standby: a message naming the problem, a non-zero exit,
// nothing changed on the system.
class BadConfig : public ::testing::Test {
protected:
    GuestLab lab_;

    void expect_refused(std::vector<std::string> args, int status, const std::string& message) {
        const std::string links_before = sh(lab_.in_guest("-br link"));
        DaemonProcess d(lab_.guest(), args, "/tmp/nfd-" + lab_.tag() + "-bad.log");
        EXPECT_EQ(d.wait_exit(), status) << d.log();
        EXPECT_NE(d.log().find(message), std::string::npos) << d.log();
        // A refused start changed nothing, and says only why.
        EXPECT_EQ(d.log().find("system restored"), std::string::npos) << d.log();
        EXPECT_EQ(sh(lab_.in_guest("-br link")), links_before);
        EXPECT_NE(sh_status("ip netns pids " + lab_.private_netns()), 0);
        EXPECT_FALSE(std::filesystem::exists(lab_.state_file(lab_.master())));
    }
};

TEST_F(BadConfig, StandbyNameTooLongToRename) {
    expect_refused({"--standby", "abcdefghijkl", "--datapath", "packet"}, 2, "give --master");
}

TEST_F(BadConfig, UnknownModel) {
    expect_refused({"--standby", "sb0", "--master", lab_.master(), "--model", "bogus"}, 2, "model");
}

TEST_F(BadConfig, UnknownDatapath) {
    expect_refused({"--standby", "sb0", "--master", lab_.master(), "--datapath", "dpdk"}, 2, "datapath");
}

TEST_F(BadConfig, MalformedConfigFile) {
    const std::string path = "/tmp/nfd-" + lab_.tag() + "-bad.json";
    sh("printf '{\"standby\": \"sb0\", \"announce\": \"lots\"}' > " + path);
    expect_refused({"--config", path, "--master", lab_.master()}, 2, "announce");
    std::filesystem::remove(path);
}

TEST_F(BadConfig, MissingStandby) {
    expect_refused({"--standby", "nosuch0", "--master", lab_.master(), "--datapath", "bpf"}, 2,
                   "--standby: no netdev named nosuch0");
}

TEST_F(BadConfig, NoStandbyMatchesTheRules) {
    expect_refused({"--match-name", "zz*", "--master", lab_.master(), "--datapath", "packet"}, 2, "zz*");
}

}  // namespace
}  // namespace nf::failoverd::test
