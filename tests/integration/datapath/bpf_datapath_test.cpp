// The bpf datapath on real veths, in both device models (design §2.1).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <regex>
#include <thread>

#include "common/error.h"

#include "datapath/bpf/bpf_datapath.h"
#include "../../support/ping_stream.h"
#include "netns_fixture.h"
#include "switch_under_ping.h"

namespace nf::datapath {
namespace {

using namespace std::chrono_literals;
using test::Topology;

class BpfDatapathTest : public ::testing::TestWithParam<BpfModel> {
protected:
    void SetUp() override {
        bool hidden = GetParam() == BpfModel::hidden;
        tag_ = test::unique_tag(hidden ? "bh" : "b3");
        pin_dir_ = "/sys/fs/bpf/nfdp-test/" + tag_;
        topo_.emplace(tag_, hidden);
        topo_->create_slave(Slot::primary);
        topo_->create_slave(Slot::standby);
        topo_->create_veth_master();
    }
    void TearDown() override {
        if (dp_) dp_->teardown();
        dp_.reset();
        topo_.reset();
        std::filesystem::remove_all(pin_dir_);
        std::error_code ec;
        std::filesystem::remove("/sys/fs/bpf/nfdp-test", ec);  // only when no other test uses it
        test::expect_no_leftovers(tag_);
    }

    BpfDatapathOptions options(bool adopt = false) {
        BpfDatapathOptions o;
        o.model = GetParam();
        o.master_ifindex = topo_->guest().ifindex(Topology::kMasterName);
        o.master_netns_fd = topo_->guest().fd();
        o.peer_ifindex = topo_->hidden().ifindex(Topology::kMasterPeerName);
        o.slave_netns_fd = topo_->slaves_ns().fd();
        o.pin_dir = pin_dir_;
        o.carrier = [this](bool on) { topo_->set_master_peer_up(on); };
        o.adopt = adopt;
        return o;
    }

    // Both slaves attached and delivering, TX on the primary; both peers know the master's MAC.
    void start() {
        dp_ = std::make_unique<BpfDatapath>(options());
        dp_->attach(Slot::primary, topo_->slave(Slot::primary));
        dp_->attach(Slot::standby, topo_->slave(Slot::standby));
        dp_->set_rx(Slot::primary, true);
        dp_->set_rx(Slot::standby, true);
        dp_->set_tx(Slot::standby);
        ASSERT_EQ(topo_->ping(2, 0.05).received, 2);
        dp_->set_tx(Slot::primary);
        ASSERT_EQ(topo_->ping(2, 0.05).received, 2);
    }

    std::string tag_, pin_dir_;
    std::optional<Topology> topo_;
    std::unique_ptr<BpfDatapath> dp_;
};

TEST_P(BpfDatapathTest, PingsThroughTheActiveSlaveAndCounts) {
    start();
    auto before = dp_->counters();
    EXPECT_EQ(topo_->ping(5, 0.02).received, 5);
    auto after = dp_->counters();
    EXPECT_GE(after.slot[0].tx_packets - before.slot[0].tx_packets, 5u);
    EXPECT_GE(after.slot[0].rx_packets - before.slot[0].rx_packets, 5u);
    EXPECT_GT(after.slot[0].tx_bytes, before.slot[0].tx_bytes);
    EXPECT_EQ(after.slot[1].tx_packets, before.slot[1].tx_packets);
}

TEST_P(BpfDatapathTest, SwitchesTxUnderAPingStreamWithoutLoss) {
    start();
    test::SwitchRun run;
    test::switch_under_ping(*dp_, topo_->guest().name(), run);
    if (HasFatalFailure()) return;
    // Replies came back both ways.
    EXPECT_GE(run.after.slot[1].rx_packets - run.before.slot[1].rx_packets, test::SwitchRun::kPhase / 2);
}

TEST_P(BpfDatapathTest, TcpTransferPassesGsoFrames) {
    start();
    auto& server = topo_->peer(Slot::primary);
    test::sh(server.in() + "iperf3 -s -1 -D -B 10.77.0.2 -p 5298");
    ASSERT_TRUE(test::wait_until(
        [&] { return test::sh_status(server.in() + "ss -Hltn 'sport = :5298' | grep -q 5298") == 0; }))
        << "iperf3 server not listening";
    auto before = dp_->counters();
    auto out = test::sh(topo_->guest().in() + "iperf3 -c 10.77.0.2 -p 5298 -t 2 -f m");
    auto after = dp_->counters();
    std::smatch m;
    ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(([\d.]+) Mbits/sec\s+\d*\s*sender)"))) << out;
    double mbit = std::stod(m[1]);
    auto packets = after.slot[0].tx_packets - before.slot[0].tx_packets;
    double average = static_cast<double>(after.slot[0].tx_bytes - before.slot[0].tx_bytes) / static_cast<double>(packets);
    std::printf("bpf datapath TCP: %.0f Mbit/s, %.0f bytes per frame on average\n", mbit, average);
    EXPECT_GT(average, 1514.0);
    EXPECT_GT(mbit, 1000.0);
}

TEST_P(BpfDatapathTest, RxPolicyDropsAndCounts) {
    start();
    dp_->set_rx(Slot::primary, false);
    auto before = dp_->counters();
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 0.3).received, 0);
    auto after = dp_->counters();
    EXPECT_GE(after.slot[0].rx_dropped - before.slot[0].rx_dropped, 3u);
    dp_->set_rx(Slot::primary, true);
    EXPECT_EQ(topo_->ping(3, 0.05).received, 3);
    EXPECT_TRUE(dp_->rx(Slot::primary));
}

TEST_P(BpfDatapathTest, NoTxTargetDropsAndCounts) {
    start();
    dp_->set_tx(std::nullopt);
    auto before = dp_->counters();
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 0.3).received, 0);
    EXPECT_GE(dp_->counters().tx_dropped - before.tx_dropped, 3u);
    EXPECT_FALSE(dp_->tx());
}

TEST_P(BpfDatapathTest, CarrierFollowsSetCarrier) {
    start();
    dp_->set_carrier(false);
    EXPECT_FALSE(topo_->guest().has_carrier(Topology::kMasterName));
    dp_->set_carrier(true);
    EXPECT_TRUE(topo_->guest().has_carrier(Topology::kMasterName));
    EXPECT_EQ(topo_->ping(2, 0.05, 56, 2).received, 2);
}

TEST_P(BpfDatapathTest, ReattachedSlaveWithNewIfindexCarriesTraffic) {
    start();
    int old_ifindex = dp_->slave_ifindex(Slot::primary);
    topo_->delete_slave(Slot::primary);
    topo_->create_slave(Slot::primary);
    auto slave = topo_->slave(Slot::primary);
    ASSERT_NE(slave.ifindex, old_ifindex);
    dp_->attach(Slot::primary, slave);
    EXPECT_EQ(dp_->slave_ifindex(Slot::primary), slave.ifindex);
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 2).received, 3);
}

TEST_P(BpfDatapathTest, AdoptAfterReleaseKeepsForwardingWithoutAGap) {
    start();
    dp_->set_tx(Slot::standby);
    auto before = dp_->counters();
    // The stream runs from before the release until the adopter has switched TX, however slow the machine.
    nf::test::PingStream stream(topo_->guest().name(), "10.77.0.2", 0.005);
    ASSERT_TRUE(test::wait_until([&] { return dp_->counters().slot[1].tx_packets >= before.slot[1].tx_packets + 50; }))
        << stream.stop().output;
    dp_->release();          // a crash-like handover: nothing detached
    dp_.reset();
    const int answered_before_gap = stream.replies();
    // Nobody owns the datapath: the kernel keeps forwarding.
    EXPECT_TRUE(test::wait_until([&] { return stream.replies() >= answered_before_gap + 50; }))
        << "no forwarding while unowned";
    dp_ = std::make_unique<BpfDatapath>(options(/*adopt=*/true));
    EXPECT_EQ(dp_->tx(), Slot::standby);
    EXPECT_TRUE(dp_->rx(Slot::primary));
    EXPECT_EQ(dp_->slave_ifindex(Slot::standby), topo_->slave(Slot::standby).ifindex);
    const auto adopted = dp_->counters();
    EXPECT_TRUE(test::wait_until([&] { return dp_->counters().slot[1].tx_packets >= adopted.slot[1].tx_packets + 20; }));
    dp_->set_tx(Slot::primary);  // the adopted state is ours to change
    const auto switched = dp_->counters();
    EXPECT_TRUE(test::wait_until([&] { return dp_->counters().slot[0].tx_packets >= switched.slot[0].tx_packets + 20; }));
    const auto r = stream.stop();
    EXPECT_FALSE(r.ended_by_itself) << r.output;
    EXPECT_TRUE(r.missing.empty()) << nf::test::describe_loss(r);
    auto after = dp_->counters();  // the counters live in the pinned map: they carried on
    EXPECT_GE(after.slot[1].tx_packets, before.slot[1].tx_packets + 100);
}

TEST_P(BpfDatapathTest, OwnerKilledWithSigkillLeavesForwardingForAnAdopter) {
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {  // the daemon that will be killed
        ::close(ready[0]);
        try {
            BpfDatapath dp(options());
            dp.attach(Slot::primary, topo_->slave(Slot::primary));
            dp.attach(Slot::standby, topo_->slave(Slot::standby));
            dp.set_rx(Slot::primary, true);
            dp.set_rx(Slot::standby, true);
            dp.set_tx(Slot::primary);
            [[maybe_unused]] auto n = ::write(ready[1], "r", 1);
            ::pause();
        } catch (...) {
        }
        ::_exit(1);
    }
    ::close(ready[1]);
    char byte = 0;
    ASSERT_EQ(::read(ready[0], &byte, 1), 1);
    ::close(ready[0]);
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 2).received, 3);  // orphaned filters still forward
    dp_ = std::make_unique<BpfDatapath>(options(/*adopt=*/true));
    EXPECT_EQ(dp_->tx(), Slot::primary);
    dp_->set_tx(Slot::standby);
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 2).received, 3);
    EXPECT_GE(dp_->counters().slot[1].tx_packets, 3u);
}

// Issue 9: with no daemon to update the maps (killed), the active slave goes and a new device takes its
// ifindex. TX must not reach that device (it would get the master's traffic): the slot's devmap entry
// went with the old device, so nf_tx drops and counts instead.
TEST_P(BpfDatapathTest, ReusedSlaveIfindexNeverReceivesTx) {
    start();
    const int old = topo_->slave(Slot::primary).ifindex;
    const auto dropped_before = dp_->counters().tx_dropped;
    topo_->delete_slave(Slot::primary);
    const std::string ns = topo_->slaves_ns().name();
    test::sh("ip -n " + ns + " link add nfdp-new index " + std::to_string(old) + " type veth peer name nfdp-newp");
    test::sh("ip -n " + ns + " link set nfdp-new up");
    test::sh("ip -n " + ns + " link set nfdp-newp up");
    ASSERT_EQ(topo_->slaves_ns().ifindex("nfdp-new"), old) << "the kernel did not reuse the ifindex";
    const auto tx_of = [&] {
        const auto j = test::sh("ip -s -j -n " + ns + " link show dev nfdp-new");
        const auto pos = j.find("\"tx\":{\"bytes\":");
        return pos == std::string::npos ? std::string("?") : j.substr(pos, 60);
    };
    const std::string tx_before = tx_of();
    EXPECT_EQ(topo_->ping(5, 0.05, 56, 1).received, 0);
    EXPECT_EQ(tx_of(), tx_before) << "the new device got the master's TX";
    EXPECT_GE(dp_->counters().tx_dropped, dropped_before + 5);
    // Attached again (a daemon's resync), the new device is the slave and gets TX.
    SlaveEndpoint fresh{"nfdp-new", old, *MacAddress::parse(Topology::kMasterMac)};
    dp_->attach(Slot::primary, fresh);
    (void)topo_->ping(3, 0.05, 56, 1);
    EXPECT_NE(tx_of(), tx_before);
}

TEST_P(BpfDatapathTest, AdoptWithoutPinsFails) {
    EXPECT_THROW(BpfDatapath{options(/*adopt=*/true)}, SystemError);
}

TEST_P(BpfDatapathTest, TeardownLeavesNoQdiscOrPinBehind) {
    start();
    dp_->teardown();
    dp_.reset();
    auto& ns = topo_->slaves_ns();
    for (Slot slot : {Slot::primary, Slot::standby}) {
        EXPECT_EQ(test::sh("tc -n " + ns.name() + " qdisc show dev " + Topology::slave_name(slot)).find("clsact"),
                  std::string::npos);
    }
    std::string tx_ns = GetParam() == BpfModel::hidden ? topo_->hidden().name() : topo_->guest().name();
    std::string tx_dev = GetParam() == BpfModel::hidden ? Topology::kMasterPeerName : Topology::kMasterName;
    EXPECT_EQ(test::sh("tc -n " + tx_ns + " qdisc show dev " + tx_dev).find("clsact"), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(pin_dir_));
    EXPECT_EQ(topo_->ping(2, 0.05, 56, 0.3).received, 0);  // nothing forwards any more
}

INSTANTIATE_TEST_SUITE_P(Models, BpfDatapathTest, ::testing::Values(BpfModel::three_dev, BpfModel::hidden),
                         [](const auto& info) { return info.param == BpfModel::hidden ? "hidden" : "three_dev"; });

}  // namespace
}  // namespace nf::datapath
