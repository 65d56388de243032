// Defect 2 of issue 9: a guest booted with ipv6.disable=1 has no IPv6 family; failoverd must start, fail
// over and restore there, with every IPv6 step skipped. A namespace cannot remove the family, so the
// daemon runs in this process with the OS edge simulating such a kernel (os::testing::simulate_no_ipv6:
// addrgenmode refused with EAFNOSUPPORT, no inet6 data on links, no /proc/sys/net/ipv6), on real links.
#include <pthread.h>
#include <signal.h>

#include <filesystem>
#include <future>
#include <thread>
#include <variant>

#include "failoverd_control/command_line.h"
#include "failoverd/daemon.h"
#include "failoverd_fixture.h"
#include "os/ipv6_family.h"
#include "os/netns.h"

namespace nf::failoverd::test {
namespace {

class NoIpv6Family : public FailoverdFixture {
protected:
    void TearDown() override {
        os::testing::simulate_no_ipv6(false);
        FailoverdFixture::TearDown();
    }
};

TEST_P(NoIpv6Family, DaemonStartsFailsOverAndRestores) {
    os::testing::simulate_no_ipv6(true);
    const std::string control = lab_->control();
    const std::vector<std::string> args = {"failoverd", "--standby", "sb0", "--master", lab_->master(),
                                           "--model", GetParam().model, "--datapath", GetParam().datapath,
                                           "--control", control, "--foreground"};
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    const auto config = std::get<daemon::DaemonConfig>(daemon::parse_command_line(static_cast<int>(argv.size()), argv.data()));

    // The daemon and its loop on a thread of their own, inside the guest namespace; stopped with a
    // SIGTERM to that thread (the daemon blocks it there and reads it from its signalfd).
    std::promise<void> constructed;
    auto started = constructed.get_future();
    int exit_status = -1;
    std::thread daemon_thread([&] {
        try {
            const os::Netns guest = os::Netns::open_named(lab_->guest());
            const os::NetnsScope in_guest(guest);
            Daemon daemon(config);  // threw "set addrgenmode ... Address family not supported" before
            constructed.set_value();
            exit_status = daemon.run();
        } catch (...) {
            constructed.set_exception(std::current_exception());
        }
    });
    bool ok = true;
    try {
        started.get();
    } catch (const std::exception& e) {
        ADD_FAILURE() << "start-up failed without IPv6: " << e.what();
        ok = false;
    }
    if (ok) {
        EXPECT_FALSE(os::ipv6_available());
        EXPECT_TRUE(wait_active("primary")) << status().dump();
        // Both slaves are enslaved (3dev: ports of the holder; hidden: moved out of sight).
        for (const char* slave : {"sb0", "pr0"}) {
            EXPECT_TRUE(lab_->link_exists(slave_ns(), slave)) << slave;
            if (!hidden()) {
                EXPECT_NE(lab_->link_json(slave_ns(), slave).find("\"master\""), std::string::npos) << slave;
            }
        }
        lab_->configure_master_ip();
        EXPECT_TRUE(lab_->ping());
        lab_->delete_primary();
        EXPECT_TRUE(wait_active("standby")) << status().dump();
        EXPECT_TRUE(lab_->ping());
        ::pthread_kill(daemon_thread.native_handle(), SIGTERM);
    }
    daemon_thread.join();
    if (!ok) return;
    EXPECT_EQ(exit_status, 0);
    EXPECT_FALSE(lab_->link_exists(lab_->guest(), lab_->master()));
    EXPECT_TRUE(lab_->link_exists(lab_->guest(), "sb0"));
    EXPECT_EQ(lab_->link_json(lab_->guest(), "sb0").find("\"master\""), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(lab_->state_file(lab_->master())));
}

INSTANTIATE_TEST_SUITE_P(Setups, NoIpv6Family,
                         ::testing::Values(Setup{"bpf", "3dev"}, Setup{"bpf", "hidden"}, Setup{"packet", "3dev"},
                                           Setup{"packet", "hidden"}),
                         setup_name);

}  // namespace
}  // namespace nf::failoverd::test
