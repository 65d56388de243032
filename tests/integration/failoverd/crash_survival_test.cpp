// Crash survival wherever failoverd runs (issue 12, item 4): started under `unshare -m` (a private mount
// namespace, as a systemd unit with ProtectSystem= gives) or `ip netns exec` (which also remounts /sys,
// hiding /sys/fs/bpf), a SIGKILLed bpf failoverd leaves its master, the private namespace's handle and
// the pins where a successor started the same way finds them: traffic keeps flowing, the successor adopts,
// and a ping stream across the kill and the restart loses nothing. Where failoverd cannot leave the private
// mount namespace (no CAP_SYS_CHROOT) it says so at start-up.
#include <signal.h>

#include <filesystem>

#include "../../support/ping_stream.h"
#include "failoverd_fixture.h"

namespace nf::failoverd::test {
namespace {

using namespace std::chrono_literals;

struct Where {
    std::string launcher;  // "unshare -m" | "ip netns exec"
    std::string model;
};

void PrintTo(const Where& w, std::ostream* os) { *os << w.launcher << "/" << w.model; }

class CrashSurvival : public GuestLabTest<Where> {
protected:
    void SetUp() override {
        GuestLabTest::SetUp();
        if (two_dev()) lab_->standby_is_master();
    }
    bool two_dev() const { return GetParam().model == "2dev"; }

    // The "host" mount namespace is the test's own: PID 1's may be out of reach in a sandbox, and
    // NF_HOST_MOUNT_NS names the one to join then.
    std::vector<std::string> launcher() const {
        const std::string host = "NF_HOST_MOUNT_NS=/proc/" + std::to_string(::getpid()) + "/ns/mnt";
        if (GetParam().launcher == "ip netns exec") return {"env", host, "ip", "netns", "exec", lab_->guest()};
        // --propagation private: nothing mounted inside reaches the host by propagation either.
        return {"env", host, "unshare", "-m", "--propagation", "private", "nsenter", "--net=/run/netns/" + lab_->guest(),
                "--"};
    }

    DaemonProcess& start() {
        const std::vector<std::string> args = {"--standby", "sb0",      "--master",   lab_->master(),
                                               "--model",   GetParam().model, "--datapath", "bpf",
                                               "--control", lab_->control(),  "--foreground"};
        daemons_.push_back(std::make_unique<DaemonProcess>(
            lab_->guest(), args, "/tmp/nfd-" + lab_->tag() + "-" + std::to_string(daemons_.size()) + ".log",
            launcher()));
        EXPECT_TRUE(daemons_.back()->wait_ready(lab_->control())) << daemons_.back()->log();
        return *daemons_.back();
    }
};

TEST_P(CrashSurvival, SigkillUnderTrafficThenRestartAdoptsWithoutLoss) {
    DaemonProcess& first = start();
    EXPECT_NE(first.log().find("started in a private mount namespace: joined /proc/"), std::string::npos) << first.log();
    lab_->configure_master_ip();
    ASSERT_TRUE(lab_->ping());

    nf::test::PingStream stream(lab_->guest(), kHostIp, 0.01);
    ASSERT_TRUE(wait_until([&] { return stream.replies() >= 20; }, 10s)) << stream.stop().output;
    const auto killed_at = nf::test::PingStream::Clock::now();
    first.signal(SIGKILL);
    ASSERT_TRUE(first.wait_exit());
    // What the successor needs outlived the process, seen from the host's mount namespace (ours).
    EXPECT_EQ(std::filesystem::exists("/run/netns/" + lab_->private_netns()), !two_dev());  // 2dev has none
    EXPECT_TRUE(std::filesystem::exists(lab_->pin_dir(lab_->master())));
    EXPECT_TRUE(lab_->link_exists(lab_->guest(), lab_->master()));
    EXPECT_TRUE(wait_until([&] { return stream.replies_since(killed_at + 100ms) >= 10; }, 10s))
        << "traffic stopped with the daemon";

    DaemonProcess& second = start();
    ASSERT_TRUE(wait_until([&] { return status().value("adopted", false); }, 10s)) << second.log();
    const auto adopted_at = nf::test::PingStream::Clock::now();
    EXPECT_TRUE(wait_until([&] { return stream.replies_since(adopted_at + 300ms) >= 10; }, 10s));
    const auto r = stream.stop();
    ASSERT_TRUE(r.first_reply && r.last_reply) << r.output;
    EXPECT_LT(*r.first_reply, killed_at) << "the stream did not start before the kill";
    EXPECT_GT(*r.last_reply, adopted_at + 300ms) << "the stream did not outlast the adoption";
    std::cout << "[ measure  ] " << GetParam().launcher << "/" << GetParam().model << ": " << r.answered
              << " answered, " << r.missing.size() << " lost across SIGKILL + restart\n";
    RecordProperty("lost_frames", static_cast<int>(r.missing.size()));
    EXPECT_TRUE(r.missing.empty()) << "lost across the kill and restart: " << nf::test::describe_loss(r);
    EXPECT_EQ(status()["active"], "primary");

    second.signal(SIGTERM);
    EXPECT_EQ(second.wait_exit(), 0) << second.log();
    EXPECT_FALSE(std::filesystem::exists("/run/netns/" + lab_->private_netns()));
    EXPECT_FALSE(std::filesystem::exists(lab_->pin_dir(lab_->master())));
}

INSTANTIATE_TEST_SUITE_P(Launchers, CrashSurvival,
                         ::testing::Values(Where{"unshare -m", "3dev"}, Where{"unshare -m", "hidden"},
                                           Where{"ip netns exec", "3dev"}, Where{"ip netns exec", "hidden"},
                                           Where{"unshare -m", "2dev"}, Where{"ip netns exec", "2dev"}),
                         [](const ::testing::TestParamInfo<Where>& info) {
                             return std::string(info.param.launcher == "unshare -m" ? "unshare" : "ip_netns_exec") +
                                    "_" + (info.param.model == "3dev" ? "three_dev" : info.param.model == "2dev" ? "two_dev" : info.param.model);
                         });

// Without CAP_SYS_CHROOT failoverd cannot join PID 1's mount namespace: it runs, and says at start-up that
// a crash will take the master with it.
TEST(CrashSurvivalWarning, APrivateMountNamespaceItCannotLeaveIsWarnedAbout) {
    GuestLab lab;
    const std::vector<std::string> args = {"--standby", "sb0", "--master", lab.master(), "--datapath", "packet",
                                           "--foreground"};
    DaemonProcess d(lab.guest(), args, "/tmp/nfd-" + lab.tag() + "-nochroot.log",
                    {"env", "NF_HOST_MOUNT_NS=/proc/" + std::to_string(::getpid()) + "/ns/mnt", "unshare", "-m",
                     "--propagation", "private", "capsh", "--drop=cap_sys_chroot", "--", "-c",
                     "exec \"$0\" \"$@\"", "nsenter", "--net=/run/netns/" + lab.guest(), "--"});
    ASSERT_TRUE(d.wait_ready(lab.control())) << d.log();
    const std::string log = d.log();
    EXPECT_NE(log.find("running in a private mount namespace (setns to /proc/"), std::string::npos) << log;
    EXPECT_NE(log.find("after a SIGKILL the master goes too"), std::string::npos) << log;
    d.signal(SIGTERM);
    EXPECT_EQ(d.wait_exit(), 0) << d.log();
}

}  // namespace
}  // namespace nf::failoverd::test
