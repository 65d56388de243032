// Two guests on one host, both with master eth0 (the lab's normal case): failoverd keys its private
// namespace, state file and bpf pin dir by the guest namespace, so the two daemons never meet; each
// passes its own --control (the default socket goes by the master's name only).
#include <signal.h>

#include <array>
#include <filesystem>
#include <iostream>
#include <memory>

#include "failoverd_fixture.h"

namespace nf::failoverd::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kMaster = "eth0";

class TwoGuests : public ::testing::TestWithParam<Setup> {
protected:
    void SetUp() override {
        for (auto& lab : labs_) lab = std::make_unique<GuestLab>("nf2");
    }
    void TearDown() override {
        for (auto& d : daemons_)
            if (d && HasFailure()) std::cerr << "---- failoverd log ----\n" << d->log();
        for (auto& d : daemons_) d.reset();
        // Named after eth0, not the lab's tag: the labs' leak check cannot see these.
        for (auto& lab : labs_) {
            sh_status("ip netns del " + lab->private_netns(kMaster));
            std::error_code ec;
            std::filesystem::remove(lab->state_file(kMaster), ec);
            std::filesystem::remove("/run/netfailover/" + lab->key(kMaster) + ".lock", ec);
            std::filesystem::remove_all(lab->pin_dir(kMaster), ec);
            lab.reset();
        }
    }

    std::string control(int i) const { return "/run/netfailover/c" + labs_[i]->tag() + ".sock"; }
    nlohmann::json status(int i) const { return query_status(control(i)).value_or(nlohmann::json::object()); }

    DaemonProcess& start(int i) {
        daemons_[i] = std::make_unique<DaemonProcess>(
            labs_[i]->guest(),
            std::vector<std::string>{"--standby", "sb0", "--master", kMaster, "--control", control(i), "--model",
                                     GetParam().model, "--datapath", GetParam().datapath, "--foreground",
                                     "--log-level", "debug"},
            "/tmp/nf2-" + labs_[i]->tag() + ".log");
        EXPECT_TRUE(daemons_[i]->wait_ready(control(i))) << daemons_[i]->log();
        return *daemons_[i];
    }

    std::array<std::unique_ptr<GuestLab>, 2> labs_;
    std::array<std::unique_ptr<DaemonProcess>, 2> daemons_;
};

TEST_P(TwoGuests, SameMasterNameInTwoGuestsDoNotCollide) {
    ASSERT_NE(labs_[0]->guest_inode(), labs_[1]->guest_inode());
    start(0);
    start(1);
    if (HasFailure()) return;
    for (int i : {0, 1}) {
        SCOPED_TRACE("guest " + std::to_string(i));
        const auto s = status(i);
        EXPECT_EQ(s.value("master", ""), kMaster) << s.dump();
        EXPECT_FALSE(s.value("adopted", true)) << "adopted the other guest's master: " << s.dump();
        EXPECT_TRUE(wait_until([&] { return status(i).value("active", "") == "primary"; }, 5s)) << status(i).dump();
        EXPECT_TRUE(std::filesystem::exists(labs_[i]->state_file(kMaster)));
        if (s.contains("private_netns")) {
            EXPECT_EQ(s["private_netns"], labs_[i]->private_netns(kMaster)) << s.dump();
            EXPECT_EQ(sh_status("ip netns pids " + labs_[i]->private_netns(kMaster)), 0);
        }
        sh(labs_[i]->in_guest(std::string("addr add 10.77.0.2/24 dev ") + kMaster));
        EXPECT_TRUE(labs_[i]->ping()) << "guest " << i << " does not forward";
    }

    // SIGTERM one: it removes its own things only; the other goes on forwarding and failing over.
    daemons_[0]->signal(SIGTERM);
    EXPECT_EQ(daemons_[0]->wait_exit(), 0) << daemons_[0]->log();
    EXPECT_FALSE(labs_[0]->link_exists(labs_[0]->guest(), kMaster));
    EXPECT_FALSE(std::filesystem::exists(labs_[0]->state_file(kMaster)));
    EXPECT_NE(sh_status("ip netns pids " + labs_[0]->private_netns(kMaster)), 0);
    if (GetParam().datapath == "bpf") {
        EXPECT_FALSE(std::filesystem::exists(labs_[0]->pin_dir(kMaster)));
    }

    EXPECT_TRUE(std::filesystem::exists(labs_[1]->state_file(kMaster)));
    if (GetParam().datapath == "bpf") {
        EXPECT_TRUE(std::filesystem::exists(labs_[1]->pin_dir(kMaster)));
    }
    EXPECT_EQ(status(1).value("master", ""), kMaster);
    EXPECT_TRUE(labs_[1]->ping()) << "the other guest stopped forwarding";
    labs_[1]->delete_primary();
    EXPECT_TRUE(wait_until([&] { return status(1).value("active", "") == "standby"; }, 5s)) << status(1).dump();
    EXPECT_TRUE(labs_[1]->ping());

    daemons_[1]->signal(SIGTERM);
    EXPECT_EQ(daemons_[1]->wait_exit(), 0) << daemons_[1]->log();
    EXPECT_FALSE(std::filesystem::exists(labs_[1]->state_file(kMaster)));
}

INSTANTIATE_TEST_SUITE_P(Setups, TwoGuests, ::testing::Values(Setup{"bpf", "3dev"}, Setup{"packet", "hidden"}),
                         setup_name);

}  // namespace
}  // namespace nf::failoverd::test
