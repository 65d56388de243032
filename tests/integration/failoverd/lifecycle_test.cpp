// failoverd's lifecycle: SIGTERM restores, SIGKILL (bpf) keeps traffic and a restart adopts, bad
// configuration changes nothing.
#include <signal.h>

#include <filesystem>
#include <future>

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
    EXPECT_FALSE(std::filesystem::exists("/run/netfailover/" + lab_->master() + ".state"));
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
        auto stream = std::async(std::launch::async, [&] {
            return sh_status(lab_->exec_guest("ping -c 150 -i 0.01 -W 1 " + std::string(kHostIp) +
                                              " | grep -q ' 0% packet loss'"));
        });
        std::this_thread::sleep_for(200ms);
        DaemonProcess& second = start();
        (void)second;
        EXPECT_EQ(stream.get(), 0) << "packets lost across the restart";
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
        EXPECT_EQ(sh(lab_.in_guest("-br link")), links_before);
        EXPECT_NE(sh_status("ip netns pids " + lab_.private_netns()), 0);
        EXPECT_FALSE(std::filesystem::exists("/run/netfailover/" + lab_.master() + ".state"));
    }
};

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
    expect_refused({"--standby", "nosuch0", "--master", lab_.master(), "--datapath", "bpf"}, 1, "nosuch0");
}

TEST_F(BadConfig, NoStandbyMatchesTheRules) {
    expect_refused({"--match-name", "zz*", "--master", lab_.master(), "--datapath", "packet"}, 1, "zz*");
}

}  // namespace
}  // namespace nf::failoverd::test
