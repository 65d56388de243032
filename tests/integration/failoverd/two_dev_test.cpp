// The 2-device model (--model 2dev) at the user's level, beyond the scenarios every model shares
// (Failoverd, ExactRestore, CrashSurvival run it too): no new netdev, loss across a surprise unplug and
// a re-plug under a ping stream, nothing of ours left after stop, and the refusals (exit 2, nothing changed).
#include <signal.h>

#include <filesystem>
#include <iostream>

#include "../../support/ping_stream.h"
#include "failoverd_fixture.h"

namespace nf::failoverd::test {
namespace {

using namespace std::chrono_literals;

class TwoDev : public FailoverdFixture {
protected:
    bool has_clsact(const std::string& dev) {
        return sh("tc -n " + lab_->guest() + " qdisc show dev " + dev).find("clsact") != std::string::npos;
    }
};

TEST_P(TwoDev, NoNewNetdevAndTheGuestsConfigurationStaysOnTheStandby) {
    sh(lab_->in_guest("addr add 10.77.0.2/24 dev sb0"));  // configured before failoverd, as DHCP would
    start();
    // The links are the same ones (the holder bridge of the primary aside).
    const std::string links_now = sh(lab_->in_guest("-br link show type veth"));
    EXPECT_NE(links_now.find("sb0"), std::string::npos);
    EXPECT_NE(links_now.find("pr0"), std::string::npos);
    EXPECT_EQ(sh(lab_->in_guest("-br link")).find("nsby"), std::string::npos);
    EXPECT_EQ(status().value("master", ""), "sb0");
    EXPECT_TRUE(has_clsact("sb0"));
    EXPECT_TRUE(has_clsact("pr0"));
    EXPECT_TRUE(lab_->ping());
    // TX left through the primary, RX came in on it and reached sb0's stack.
    const auto s = status();
    EXPECT_EQ(s["active"], "primary");
    EXPECT_GE(s["counters"]["tx_packets"].get<std::uint64_t>(), 3u);
    EXPECT_GE(s["counters"]["rx_packets"].get<std::uint64_t>(), 3u);
}

TEST_P(TwoDev, SurpriseUnplugAndReplugUnderAStream) {
    start({"--announce", "1"});
    lab_->configure_master_ip();
    ASSERT_TRUE(lab_->ping());
    nf::test::PingStream stream(lab_->guest(), kHostIp, 0.01);
    ASSERT_TRUE(wait_until([&] { return stream.replies() >= 20; }, 10s)) << stream.stop().output;
    lab_->delete_primary();
    ASSERT_TRUE(wait_active("standby"));
    const auto on_standby = nf::test::PingStream::Clock::now();
    ASSERT_TRUE(wait_until([&] { return stream.replies_since(on_standby + 50ms) >= 20; }, 10s))
        << "no traffic on the standby";
    lab_->add_primary("prh2");
    ASSERT_TRUE(wait_active("primary"));
    const auto back = nf::test::PingStream::Clock::now();
    ASSERT_TRUE(wait_until([&] { return stream.replies_since(back + 50ms) >= 20; }, 10s)) << "no traffic after re-plug";
    const auto r = stream.stop();
    std::cout << "[ measure  ] 2dev unplug + replug: " << r.answered << " answered, " << r.missing.size()
              << " lost\n";
    RecordProperty("lost_frames", static_cast<int>(r.missing.size()));
    // Measured, bounded by one second of the stream: the re-plug's gap in this lab (the new primary's
    // bridge port and the first frames on it) is not the datapath's and is reported, not hidden.
    EXPECT_LE(r.missing.size(), 100u) << nf::test::describe_loss(r);
    EXPECT_EQ(r.duplicates, 0);
    EXPECT_GE(status()["counters"]["failovers"].get<int>(), 2);
    // Once settled on the re-plugged primary nothing is lost.
    nf::test::PingStream settled(lab_->guest(), kHostIp, 0.01);
    ASSERT_TRUE(wait_until([&] { return settled.replies() >= 50; }, 10s)) << settled.stop().output;
    const auto after = settled.stop();
    EXPECT_TRUE(after.missing.empty()) << nf::test::describe_loss(after);
    EXPECT_EQ(status()["active"], "primary");
}

TEST_P(TwoDev, StopLeavesNothingOfOurs) {
    DaemonProcess& d = start();
    lab_->configure_master_ip();
    ASSERT_TRUE(lab_->ping());
    d.signal(SIGTERM);
    ASSERT_EQ(d.wait_exit(), 0) << d.log();
    EXPECT_FALSE(has_clsact("sb0"));
    EXPECT_FALSE(has_clsact("pr0"));
    EXPECT_FALSE(lab_->link_exists(lab_->guest(), "sb0fo"));
    EXPECT_EQ(lab_->link_json(lab_->guest(), "pr0").find("\"master\""), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(lab_->pin_dir("sb0")));
    EXPECT_FALSE(std::filesystem::exists(lab_->state_file("sb0")));
    EXPECT_FALSE(std::filesystem::exists(lab_->control()));
    // The standby is an ordinary NIC again, with the guest's address still on it.
    EXPECT_TRUE(lab_->ping());
}

TEST_P(TwoDev, RefusalsChangeNothing) {
    const std::string links_before = sh(lab_->in_guest("-br link"));
    auto refused = [&](std::vector<std::string> args, const std::string& message) {
        DaemonProcess d(lab_->guest(), args, "/tmp/nfd-" + lab_->tag() + "-refused.log");
        EXPECT_EQ(d.wait_exit(), 2) << d.log();
        EXPECT_NE(d.log().find(message), std::string::npos) << d.log();
        EXPECT_EQ(sh(lab_->in_guest("-br link")), links_before);
        EXPECT_FALSE(has_clsact("sb0"));
        EXPECT_FALSE(std::filesystem::exists(lab_->state_file("sb0")));
    };
    refused({"--standby", "sb0", "--model", "2dev", "--datapath", "packet", "--control", lab_->control()},
            "--model 2dev needs the bpf datapath");
    refused({"--standby", "sb0", "--master", "other0", "--model", "2dev", "--control", lab_->control()},
            "the standby itself is the master");
}

INSTANTIATE_TEST_SUITE_P(Setups, TwoDev, ::testing::Values(Setup{"bpf", "2dev"}), setup_name);

}  // namespace
}  // namespace nf::failoverd::test
