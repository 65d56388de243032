#include "datapath/memory/memory_datapath.h"

#include <gtest/gtest.h>

namespace nf::datapath {
namespace {

class MemoryDatapathTest : public ::testing::Test {
protected:
    MemoryDatapath dp{MasterSpec{"fo0", *MacAddress::parse("52:54:00:00:00:01")}, 7};
    SlaveEndpoint vf{"vf0", 11, *MacAddress::parse("52:54:00:00:00:01")};
    SlaveEndpoint pv{"pv0", 12, *MacAddress::parse("52:54:00:00:00:01")};
};

TEST_F(MemoryDatapathTest, IdentifiesItself) {
    EXPECT_EQ(dp.kind(), "memory");
    EXPECT_EQ(dp.master_ifindex(), 7);
}

TEST_F(MemoryDatapathTest, TxFollowsSetTxAndCarrier) {
    dp.attach(Slot::primary, vf);
    dp.attach(Slot::standby, pv);
    EXPECT_FALSE(dp.transmit({1, 2}).has_value());  // no carrier, no TX slot
    dp.set_carrier(true);
    dp.set_tx(Slot::primary);
    EXPECT_EQ(dp.transmit({1, 2, 3}), Slot::primary);
    dp.set_tx(Slot::standby);
    EXPECT_EQ(dp.transmit({4}), Slot::standby);
    dp.set_tx(std::nullopt);
    EXPECT_FALSE(dp.transmit({5}).has_value());
    const DatapathCounters c = dp.counters();
    EXPECT_EQ(c.tx_dropped, 2u);
    EXPECT_EQ(c.slot[slot_index(Slot::primary)].tx_packets, 1u);
    EXPECT_EQ(c.slot[slot_index(Slot::primary)].tx_bytes, 3u);
    EXPECT_EQ(c.slot[slot_index(Slot::standby)].tx_packets, 1u);
    const Frame first{1, 2, 3};
    ASSERT_EQ(dp.sent_on(Slot::primary).size(), 1u);
    EXPECT_EQ(dp.sent_on(Slot::primary)[0], first);
}

TEST_F(MemoryDatapathTest, TxToADetachedSlotIsDropped) {
    dp.attach(Slot::primary, vf);
    dp.set_carrier(true);
    dp.set_tx(Slot::primary);
    dp.detach(Slot::primary);
    dp.detach(Slot::primary);  // detaching an empty slot does nothing
    EXPECT_FALSE(dp.transmit({1}).has_value());
    EXPECT_EQ(dp.counters().tx_dropped, 1u);
}

TEST_F(MemoryDatapathTest, RxFollowsSetRx) {
    dp.attach(Slot::standby, pv);
    dp.set_rx(Slot::standby, true);
    EXPECT_TRUE(dp.receive(Slot::standby, {1, 2}));
    dp.set_rx(Slot::standby, false);
    const Frame kept{3};
    EXPECT_FALSE(dp.receive(Slot::standby, kept));
    const DatapathCounters counters = dp.counters();
    const SlotCounters& c = counters.slot[slot_index(Slot::standby)];
    EXPECT_EQ(c.rx_packets, 1u);
    EXPECT_EQ(c.rx_bytes, 2u);
    EXPECT_EQ(c.rx_dropped, 1u);
    EXPECT_EQ(dp.delivered_to_master().size(), 1u);
    ASSERT_EQ(dp.kept_on_slave(Slot::standby).size(), 1u);
    EXPECT_EQ(dp.kept_on_slave(Slot::standby)[0], kept);
}

TEST_F(MemoryDatapathTest, AttachReplacesTheSlot) {
    dp.attach(Slot::primary, vf);
    SlaveEndpoint back = vf;
    back.ifindex = 42;  // the VF came back with a new ifindex
    dp.attach(Slot::primary, back);
    ASSERT_TRUE(dp.attached(Slot::primary).has_value());
    EXPECT_EQ(dp.attached(Slot::primary)->ifindex, 42);
}

}  // namespace
}  // namespace nf::datapath
