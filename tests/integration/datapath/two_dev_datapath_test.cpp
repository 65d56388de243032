// The 2-device model's datapath (TwoDevDatapath) on real veths: the standby nfdp-sby is the device the
// guest uses (10.77.0.1), the primary nfdp-pri its slave; both far ends answer as 10.77.0.2.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "common/error.h"
#include "datapath/bpf/two_dev_datapath.h"
#include "netns_fixture.h"
#include "switch_under_ping.h"

namespace nf::datapath {
namespace {

using test::Topology;

// Frames the far end of `slot` received (its eth0's RX counter; /proc/net/dev follows the namespace,
// /sys would show the test's own).
std::uint64_t far_rx_packets(Topology& topo, Slot slot) {
    return std::stoull(test::sh(topo.peer(slot).in() + "awk '$1 == \"eth0:\" {print $3}' /proc/net/dev"));
}

bool has_clsact(Topology& topo, const std::string& dev) {
    return test::sh("tc -n " + topo.guest().name() + " qdisc show dev " + dev).find("clsact") != std::string::npos;
}

class TwoDevDatapathTest : public ::testing::Test {
protected:
    void SetUp() override {
        tag_ = test::unique_tag("b2");
        pin_dir_ = "/sys/fs/bpf/nfdp-test/" + tag_;
        topo_.emplace(tag_, /*hidden_slaves=*/false);
        topo_->create_slave(Slot::primary);
        topo_->create_slave(Slot::standby);
        // The standby is what the guest uses: an ordinary NIC, not a slave kept out of the stack.
        const std::string sby = Topology::slave_name(Slot::standby);
        test::sh(topo_->guest().in() + "sysctl -qw net.ipv4.conf." + sby + ".rp_filter=0 net.ipv4.conf." + sby +
                 ".arp_ignore=0");
        topo_->configure_master(sby);
    }
    void TearDown() override {
        if (dp_) dp_->teardown();
        dp_.reset();
        topo_.reset();
        std::filesystem::remove_all(pin_dir_);
        std::error_code ec;
        std::filesystem::remove("/sys/fs/bpf/nfdp-test", ec);
        test::expect_no_leftovers(tag_);
    }

    TwoDevDatapathOptions options(bool adopt = false) {
        TwoDevDatapathOptions o;
        o.standby_ifindex = topo_->guest().ifindex(Topology::slave_name(Slot::standby));
        o.netns_fd = topo_->guest().fd();
        o.pin_dir = pin_dir_;
        o.adopt = adopt;
        return o;
    }

    void start() {
        dp_ = std::make_unique<TwoDevDatapath>(options());
        dp_->attach(Slot::standby, topo_->slave(Slot::standby));
        dp_->attach(Slot::primary, topo_->slave(Slot::primary));
        dp_->set_rx(Slot::primary, true);
        dp_->set_rx(Slot::standby, true);
        ASSERT_EQ(topo_->ping(2, 0.05, 56, 2).received, 2);  // a fresh datapath: the standby carries TX
        dp_->set_tx(Slot::primary);
        ASSERT_EQ(topo_->ping(2, 0.05, 56, 2).received, 2);
    }

    std::string tag_, pin_dir_;
    std::optional<Topology> topo_;
    std::unique_ptr<TwoDevDatapath> dp_;
};

TEST_F(TwoDevDatapathTest, TxLeavesThroughThePrimaryAndItsRxArrivesAsTheStandbys) {
    start();
    const auto before = dp_->counters();
    const auto primary_far = far_rx_packets(*topo_, Slot::primary);
    const auto standby_far = far_rx_packets(*topo_, Slot::standby);
    EXPECT_EQ(topo_->ping(5, 0.02).received, 5);
    const auto after = dp_->counters();
    EXPECT_GE(after.slot[0].tx_packets - before.slot[0].tx_packets, 5u);
    EXPECT_GE(after.slot[0].rx_packets - before.slot[0].rx_packets, 5u);  // replies came in on the primary
    EXPECT_EQ(after.slot[1].tx_packets, before.slot[1].tx_packets);
    EXPECT_GE(far_rx_packets(*topo_, Slot::primary) - primary_far, 5u);
    EXPECT_EQ(far_rx_packets(*topo_, Slot::standby), standby_far);
    // The primary's own stack saw none of it: delivered as the standby's, it counts there.
    EXPECT_EQ(test::sh(topo_->guest().in() + "ip -o -4 addr show dev " + Topology::slave_name(Slot::primary)), "");
}

TEST_F(TwoDevDatapathTest, SwitchesTxUnderAPingStreamWithoutLoss) {
    start();
    test::SwitchRun run;
    test::switch_under_ping(*dp_, topo_->guest().name(), run);
    if (HasFatalFailure()) return;
    EXPECT_GE(run.after.slot[1].rx_packets - run.before.slot[1].rx_packets, test::SwitchRun::kPhase / 2);
}

TEST_F(TwoDevDatapathTest, StandbyRxPolicyDropsOnlyTheStandbysOwnFrames) {
    start();
    dp_->set_rx(Slot::standby, false);
    // TX and RX on the primary: its frames pass the standby's ingress (marked), the policy is not theirs.
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 1).received, 3);
    // TX on the standby: the replies come back on the standby and are dropped and counted.
    dp_->set_tx(Slot::standby);
    const auto before = dp_->counters();
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 0.3).received, 0);
    EXPECT_GE(dp_->counters().slot[1].rx_dropped - before.slot[1].rx_dropped, 3u);
    dp_->set_rx(Slot::standby, true);
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 1).received, 3);
}

TEST_F(TwoDevDatapathTest, PrimaryRxPolicyAndNoTxTargetDropAndCount) {
    start();
    dp_->set_rx(Slot::primary, false);
    auto before = dp_->counters();
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 0.3).received, 0);
    EXPECT_GE(dp_->counters().slot[0].rx_dropped - before.slot[0].rx_dropped, 3u);
    dp_->set_rx(Slot::primary, true);
    dp_->set_tx(std::nullopt);
    before = dp_->counters();
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 0.3).received, 0);
    EXPECT_GE(dp_->counters().tx_dropped - before.tx_dropped, 3u);
    EXPECT_FALSE(dp_->tx());
}

TEST_F(TwoDevDatapathTest, APrimaryGoneBeforeTheControlPlaneHeardLeavesTxOnTheStandby) {
    start();
    topo_->delete_slave(Slot::primary);  // the kernel drops it from the devmap; the maps still say primary
    EXPECT_EQ(dp_->tx(), Slot::primary);
    const auto before = dp_->counters();
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 2).received, 3);
    EXPECT_GE(dp_->counters().slot[1].tx_packets - before.slot[1].tx_packets, 3u);
    // A new primary (new ifindex) is attached and carries TX again.
    topo_->create_slave(Slot::primary);
    dp_->attach(Slot::primary, topo_->slave(Slot::primary));
    const auto again = dp_->counters();
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 2).received, 3);
    EXPECT_GE(dp_->counters().slot[0].tx_packets - again.slot[0].tx_packets, 3u);
}

TEST_F(TwoDevDatapathTest, AdoptAfterReleaseKeepsStateAndTeardownRemovesEverything) {
    start();
    dp_->set_rx(Slot::standby, false);
    dp_->release();
    dp_.reset();
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 2).received, 3) << "no forwarding while unowned";
    dp_ = std::make_unique<TwoDevDatapath>(options(/*adopt=*/true));
    EXPECT_EQ(dp_->tx(), Slot::primary);
    EXPECT_FALSE(dp_->rx(Slot::standby));
    EXPECT_EQ(dp_->slave_ifindex(Slot::primary), topo_->slave(Slot::primary).ifindex);
    EXPECT_EQ(topo_->ping(3, 0.05, 56, 2).received, 3);
    dp_->teardown();
    dp_.reset();
    EXPECT_FALSE(has_clsact(*topo_, Topology::slave_name(Slot::standby)));
    EXPECT_FALSE(has_clsact(*topo_, Topology::slave_name(Slot::primary)));
    EXPECT_FALSE(std::filesystem::exists(pin_dir_));
    // Without the datapath the standby is an ordinary NIC again.
    EXPECT_EQ(topo_->ping(2, 0.05, 56, 2).received, 2);
}

TEST_F(TwoDevDatapathTest, RefusesWhatIsNotItsModelAndChangesNothing) {
    EXPECT_THROW(TwoDevDatapath(options(/*adopt=*/true)), SystemError);  // nothing pinned
    EXPECT_FALSE(std::filesystem::exists(pin_dir_ + "/nf2_config"));
    start();
    EXPECT_THROW(dp_->attach(Slot::standby, topo_->slave(Slot::primary)), ConfigError);
    auto self = topo_->slave(Slot::standby);
    EXPECT_THROW(dp_->attach(Slot::primary, self), ConfigError);
    dp_->release();
    dp_.reset();
    auto other = options(/*adopt=*/true);
    other.standby_ifindex = topo_->slave(Slot::primary).ifindex;
    EXPECT_THROW(TwoDevDatapath{other}, ConfigError);
    // The refused adopter took nothing away: the pinned state still forwards and can be adopted.
    EXPECT_EQ(topo_->ping(2, 0.05, 56, 2).received, 2);
    dp_ = std::make_unique<TwoDevDatapath>(options(/*adopt=*/true));
    EXPECT_EQ(dp_->tx(), Slot::primary);
}

}  // namespace
}  // namespace nf::datapath
