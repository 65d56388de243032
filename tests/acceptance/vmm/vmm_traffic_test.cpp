// Real traffic through failover-vmm: a ping stream from the host bridge to the VM across an orderly unplug
// and a re-plug of the VF, and the packet-filtering problem of a stale MAC filter.
//
// The VM runs the simplest failover there is: the IP lives on the standby (eth0); the VF (ens4, same MAC)
// is brought up without an address, so frames the host switch sends to the VF port are answered through
// eth0 (Linux's weak host model) and the PV path carries everything while the VF is gone.
#include <gtest/gtest.h>

#include <functional>
#include <future>
#include <iostream>
#include <regex>
#include <thread>

#include "../../support/ping_stream.h"
#include "test_guest.h"
#include "vmm_fixture.h"

namespace nf::vmm::test {
namespace {

using nlohmann::json;

class VmmTraffic : public ::testing::Test {
protected:
    void start(const std::string& vf_filter) {
        auto a = base_arguments(lab, vf_filter);
        for (const auto& d : {standby_device(), primary_device()}) {
            a.push_back("--device");
            a.push_back(d);
        }
        vmm.emplace(lab, a);
        qmp.emplace(vmm->qmp());
        lab.guest("ip addr add " + std::string(kVmIp) + "/24 dev eth0");
        lab.guest("ip link set eth0 up");
        guest.emplace(TestGuest::connect(lab.channel_path()));
        guest->start_driver("standby0");
        ASSERT_TRUE(qmp->wait_event("FAILOVER_NEGOTIATED", 10s));
        bind_vf();
    }
    // What a guest does when the VF appears: its driver binds it, the failover daemon brings it up.
    void bind_vf() {
        ASSERT_TRUE(lab.wait_guest_link("ens4", true, 10s));
        lab.guest("ip link set ens4 up");
    }
    void orderly_unplug() {
        qmp->execute_ok("device_del", {{"id", "primary0"}});
        ASSERT_TRUE(guest->wait<channel::EjectRequest>());
        guest->eject("primary0");
        ASSERT_TRUE(qmp->wait_event("DEVICE_DELETED", 10s));
    }
    void replug() {
        qmp->execute_ok("device_add", {{"driver", "vfio-pci"}, {"id", "primary0"}, {"host", "vf-vm1g"},
                                       {"failover_pair_id", "standby0"}, {"bus", "root1"}, {"ifname", "ens4"}});
        bind_vf();
    }
    std::uint64_t pv_rx() {
        return qmp->execute_ok("x-query-vmm")["standbys"][0]["counters"]["rx-frames"].get<std::uint64_t>();
    }
    // Polls until `condition` holds; generous, CI machines are loaded.
    static bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 15s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!condition())
            if (std::chrono::steady_clock::now() > deadline) return false;
            else std::this_thread::sleep_for(20ms);
        return true;
    }
    bool wait_fdb(const std::vector<std::string>& expected, std::chrono::milliseconds timeout = 10s) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (lab.static_fdb_ports(kVmMac) != expected)
            if (std::chrono::steady_clock::now() > deadline) return false;
            else std::this_thread::sleep_for(20ms);
        return true;
    }
    // Sends `count` pings at 20 ms in the background; returns how many were answered.
    std::future<int> ping_stream(int count) {
        const std::string command = "ip netns exec " + lab.host_ns() + " ping -n -q -i 0.02 -W 1 -c " +
                                    std::to_string(count) + " " + kVmIp;
        return std::async(std::launch::async, [command] {
            const auto r = sh(command);
            std::smatch m;
            if (!std::regex_search(r.output, m, std::regex(R"((\d+) received)"))) return 0;
            return std::stoi(m[1]);
        });
    }

    VmmLab lab;
    std::optional<VmmProcess> vmm;
    std::optional<qmp::QmpClient> qmp;
    std::optional<TestGuest> guest;
};

TEST_F(VmmTraffic, PingKeepsFlowingAcrossOrderlyUnplugAndReplug) {
    start("while-bound");
    ASSERT_TRUE(wait_fdb({"vf-vm1"})) << "the VF's MAC filter was not installed once the VF was up";
    // Pings every 20 ms from well before the unplug until well after the re-plug: each phase lasts until
    // the stream (or the PV counter) shows enough packets, however slow the machine is.
    nf::test::PingStream stream(lab.host_ns(), kVmIp, 0.02);
    ASSERT_TRUE(wait_for([&] { return stream.replies() >= 20; })) << stream.stop().output;
    const auto rx_with_vf = pv_rx();
    orderly_unplug();
    EXPECT_TRUE(wait_fdb({})) << "while-bound must drop the filter when the VF leaves";
    EXPECT_TRUE(wait_for([&] { return pv_rx() > rx_with_vf + 20; }))
        << "the PV path did not carry the stream while the VF was gone";
    replug();
    EXPECT_TRUE(wait_fdb({"vf-vm1"}));
    const auto replugged_at = nf::test::PingStream::Clock::now();
    EXPECT_EQ(lab.link(lab.guest_ns(), "ens4")->value("address", ""), kVmMac);
    EXPECT_TRUE(wait_for([&] { return stream.replies_since(replugged_at) >= 20; }));
    const auto r = stream.stop();
    EXPECT_FALSE(r.ended_by_itself) << "the stream ended before the test stopped it\n" << r.output;
    std::cout << "[ stream   ] " << r.answered << " of " << r.last_answered_seq
              << " pings answered across unplug + re-plug\n";
    EXPECT_GE(r.answered, 40);
    EXPECT_LE(r.missing.size(), 4u) << nf::test::describe_loss(r) << "\n" << vmm->log();
}

// The packet-filtering problem: with the stale filter the switch keeps sending the VM's frames to the VF's
// port after the unplug, and they are lost, while the same unplug under while-bound loses nothing (above).
TEST_F(VmmTraffic, StaleFilterBlackholesTheVmAfterUnplug) {
    start("stale");
    ASSERT_TRUE(wait_fdb({"vf-vm1"}));
    EXPECT_EQ(ping_stream(10).get(), 10);
    orderly_unplug();
    EXPECT_EQ(lab.static_fdb_ports(kVmMac), (std::vector<std::string>{"vf-vm1"}));
    EXPECT_EQ(ping_stream(10).get(), 0) << "frames for the VM should go to the VF that is gone";
    replug();
    EXPECT_GE(ping_stream(10).get(), 9);
}

}  // namespace
}  // namespace nf::vmm::test
