// The packet datapath (TAP master + AF_PACKET slaves) on real devices, slaves next to the master (3dev)
// or hidden in a private namespace.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <regex>
#include <thread>

#include "datapath/packet/packet_datapath.h"
#include "../../support/ping_stream.h"
#include "netns_fixture.h"
#include "switch_under_ping.h"

namespace nf::datapath {
namespace {

using namespace std::chrono_literals;
using test::Topology;

class PacketDatapathTest : public ::testing::TestWithParam<bool /*hidden slaves*/> {
protected:
    void SetUp() override {
        tag_ = test::unique_tag(GetParam() ? "ph" : "p3");
        topo_.emplace(tag_, GetParam());
        topo_->create_slave(Slot::primary);
        topo_->create_slave(Slot::standby);
        PacketDatapathOptions o;
        o.master.name = "nfdp-tap";
        o.master.master_netns_fd = topo_->guest().fd();
        o.master.slave_netns_fd = topo_->slaves_ns().fd();
        dp_ = std::make_unique<PacketDatapath>(o);
        topo_->configure_master(dp_->master_name());
    }
    void TearDown() override {
        dp_.reset();
        topo_.reset();
        test::expect_no_leftovers(tag_);
    }

    void start() {
        dp_->attach(Slot::primary, topo_->slave(Slot::primary));
        dp_->attach(Slot::standby, topo_->slave(Slot::standby));
        dp_->set_rx(Slot::primary, true);
        dp_->set_rx(Slot::standby, true);
        dp_->set_tx(Slot::standby);
        ASSERT_EQ(topo_->ping(2, 0.05).received, 2);
        dp_->set_tx(Slot::primary);
        ASSERT_EQ(topo_->ping(2, 0.05).received, 2);
    }

    std::string tag_;
    std::optional<Topology> topo_;
    std::unique_ptr<PacketDatapath> dp_;
};

TEST_P(PacketDatapathTest, MasterIsATapInTheGuestNamespace) {
    EXPECT_EQ(dp_->kind(), "packet");
    EXPECT_EQ(dp_->master_ifindex(), topo_->guest().ifindex(dp_->master_name()));
}

TEST_P(PacketDatapathTest, PingsThroughTheActiveSlaveAndCounts) {
    start();
    auto before = dp_->counters();
    auto r = topo_->ping(5, 0.02);
    EXPECT_EQ(r.received, 5);
    EXPECT_EQ(r.duplicates, 0);
    auto after = dp_->counters();
    EXPECT_GE(after.slot[0].tx_packets - before.slot[0].tx_packets, 5u);
    EXPECT_GE(after.slot[0].rx_packets - before.slot[0].rx_packets, 5u);
    EXPECT_EQ(after.slot[1].tx_packets, before.slot[1].tx_packets);
}

TEST_P(PacketDatapathTest, SwitchesTxUnderAPingStreamWithoutLoss) {
    start();
    test::SwitchRun run;
    test::switch_under_ping(*dp_, topo_->guest().name(), run);
    if (HasFatalFailure()) return;
}

TEST_P(PacketDatapathTest, RxPolicyDropsAndCounts) {
    start();
    dp_->set_rx(Slot::primary, false);
    auto before = dp_->counters();
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 0.3).received, 0);
    EXPECT_GE(dp_->counters().slot[0].rx_dropped - before.slot[0].rx_dropped, 3u);
    dp_->set_rx(Slot::primary, true);
    EXPECT_EQ(topo_->ping(3, 0.05).received, 3);
}

TEST_P(PacketDatapathTest, NoTxTargetDropsAndCounts) {
    start();
    dp_->set_tx(std::nullopt);
    auto before = dp_->counters();
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 0.3).received, 0);
    EXPECT_GE(dp_->counters().tx_dropped - before.tx_dropped, 3u);
}

TEST_P(PacketDatapathTest, CarrierFollowsSetCarrier) {
    start();
    dp_->set_carrier(false);
    EXPECT_FALSE(topo_->guest().has_carrier(dp_->master_name()));
    dp_->set_carrier(true);
    EXPECT_TRUE(topo_->guest().has_carrier(dp_->master_name()));
    EXPECT_EQ(topo_->ping(2, 0.05, 56, 2).received, 2);
}

TEST_P(PacketDatapathTest, ReattachedSlaveWithNewIfindexCarriesTraffic) {
    start();
    int old_ifindex = topo_->slave(Slot::primary).ifindex;
    topo_->delete_slave(Slot::primary);
    EXPECT_EQ(topo_->ping(2, 0.05, 56, 0.3).received, 0);  // its socket died with it
    topo_->create_slave(Slot::primary);
    auto slave = topo_->slave(Slot::primary);
    ASSERT_NE(slave.ifindex, old_ifindex);
    dp_->attach(Slot::primary, slave);
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 2).received, 3);
}

TEST_P(PacketDatapathTest, GsoFramesPassWholeUnderATcpTransfer) {
    start();
    auto& server = topo_->peer(Slot::primary);
    test::sh(server.in() + "iperf3 -s -1 -D -B 10.77.0.2 -p 5299");
    ASSERT_TRUE(test::wait_until(
        [&] { return test::sh_status(server.in() + "ss -Hltn 'sport = :5299' | grep -q 5299") == 0; }))
        << "iperf3 server not listening";
    auto before = dp_->counters();
    auto out = test::sh(topo_->guest().in() + "iperf3 -c 10.77.0.2 -p 5299 -t 2 -f m");
    auto after = dp_->counters();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(([\d.]+) Mbits/sec\s+\d*\s*sender)"))) << out;
    double mbit = std::stod(m[1]);
    auto packets = after.slot[0].tx_packets - before.slot[0].tx_packets;
    auto bytes = after.slot[0].tx_bytes - before.slot[0].tx_bytes;
    ASSERT_GT(packets, 0u);
    double average = static_cast<double>(bytes) / static_cast<double>(packets);
    std::printf("packet datapath TCP: %.0f Mbit/s, %.0f bytes per frame on average\n", mbit, average);
    EXPECT_GT(average, 1514.0) << "frames were segmented: GSO did not pass";
    EXPECT_GT(mbit, 500.0);
}

INSTANTIATE_TEST_SUITE_P(Models, PacketDatapathTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "hidden" : "three_dev"; });

}  // namespace
}  // namespace nf::datapath
