// Focused tests beyond §14: the stats fold, make-before-break RX, forced active slave, id pairing,
// pairing policies, events out, immediate carrier, and the datapath program end to end.
#include <cerrno>

#include "datapath/memory/memory_datapath.h"
#include "failover_fixture.h"

namespace nf::failover::test {
namespace {

using sim::FakeNetdev;

TEST(StatsFold, CounterIncreaseRules) {
    EXPECT_EQ(counter_increase(10, 15), 5u);
    EXPECT_EQ(counter_increase(15, 10), 0u);                          // reset: ignored
    EXPECT_EQ(counter_increase(0xFFFFFFFFu, 0x0u), 1u);                // 32-bit wrap
    EXPECT_EQ(counter_increase(0x1'0000'0005ull, 0x1'0000'0009ull), 4u);  // 64-bit counter
    EXPECT_EQ(counter_increase(0x1'0000'0005ull, 0x3ull), 0u);         // 64-bit reset
}

TEST(StatsFold, EveryFieldFoldsAndRebaselines) {
    Stats64 acc, snapshot, now;
    for (auto field : kStats64Fields) now.*field = 7;
    fold_stats(acc, snapshot, now);
    for (auto field : kStats64Fields) EXPECT_EQ(acc.*field, 7u);
    EXPECT_EQ(snapshot, now);
    Stats64 reset;  // all zero
    fold_stats(acc, snapshot, reset);
    for (auto field : kStats64Fields) EXPECT_EQ(acc.*field, 7u);
    EXPECT_EQ(snapshot, reset);
}

using FailoverCore = FailoverTest;

TEST_F(FailoverCore, MakeBeforeBreakKeepsStandbyRxUntilPrimaryCarries) {
    FailoverMaster& m = create(FailoverConfig{});
    stack.add(make_pv());
    ASSERT_FALSE(m.open());
    stack.set_carrier("ens10nsby", true);
    stack.add(make_vf());  // registered, opened by R2c, no carrier yet
    ASSERT_NE(m.slave(Role::primary), nullptr);
    EXPECT_TRUE(m.rx_delivered(Role::standby));
    EXPECT_EQ(m.effective_tx(), Role::standby);
    stack.set_carrier("ens11", true);
    EXPECT_EQ(m.effective_tx(), Role::primary);
    EXPECT_FALSE(m.rx_delivered(Role::standby));
    EXPECT_TRUE(m.rx_delivered(Role::primary));
    stack.set_carrier("ens11", false);
    EXPECT_TRUE(m.rx_delivered(Role::standby));
}

TEST_F(FailoverCore, KernelRxModeDropsStandbyRxOnceAPrimaryIsRegistered) {
    FailoverMaster& m = create(FailoverConfig::kernel_compat());
    stack.add(make_pv());
    EXPECT_TRUE(m.rx_delivered(Role::standby));
    stack.add(make_vf());
    EXPECT_FALSE(m.rx_delivered(Role::standby));
}

TEST_F(FailoverCore, ForcedActiveSlave) {
    FailoverMaster& m = create_ready(FailoverConfig{});
    ASSERT_EQ(m.effective_tx(), Role::primary);
    sink.clear();
    m.set_active(ActiveChoice::standby);
    EXPECT_EQ(m.effective_tx(), Role::standby);
    EXPECT_TRUE(m.rx_delivered(Role::standby));  // TX is on the standby: keep its RX
    const FailoverEvent* e = sink.last(FailoverEventKind::active_changed);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->active, Role::standby);
    EXPECT_EQ(e->slave, "ens10nsby");
    EXPECT_EQ(e->reason, "active slave set to standby");
    // A forced slot that cannot carry traffic falls back to the rules rather than blackholing.
    stack.set_carrier("ens10nsby", false);
    EXPECT_EQ(m.effective_tx(), Role::primary);
    stack.set_carrier("ens10nsby", true);
    EXPECT_EQ(m.effective_tx(), Role::standby);
    m.set_active(ActiveChoice::primary);
    EXPECT_EQ(m.effective_tx(), Role::primary);
    m.set_active(ActiveChoice::automatic);
    EXPECT_EQ(m.effective_tx(), Role::primary);
    EXPECT_EQ(m.active_choice(), ActiveChoice::automatic);
}

// Orderly removal (the VMM's eject request): TX on the standby, standby RX delivered, until the primary leaves.
void expect_primary_removal(FailoverMaster& m, sim::FakeNetworkStack& stack) {
    ASSERT_EQ(m.effective_tx(), Role::primary);
    m.begin_primary_removal();
    EXPECT_TRUE(m.primary_leaving());
    EXPECT_EQ(m.effective_tx(), Role::standby);
    EXPECT_TRUE(m.rx_delivered(Role::standby));
    EXPECT_TRUE(m.rx_delivered(Role::primary));             // frames already in flight on the VF
    EXPECT_EQ(m.active_choice(), ActiveChoice::automatic);  // the user's choice is untouched
    stack.set_admin("ens11", false);                        // the driver unbinds
    EXPECT_EQ(m.effective_tx(), Role::standby);
    EXPECT_TRUE(m.rx_delivered(Role::standby));
    // The primary leaves: the removal is over, and a primary plugged again is taken as usual.
    stack.unplug("ens11");
    EXPECT_FALSE(m.primary_leaving());
    stack.add(make_vf());
    stack.set_carrier("ens11", true);
    EXPECT_EQ(m.effective_tx(), Role::primary);
}

TEST_F(FailoverCore, PrimaryRemovalMakeBeforeBreak) { expect_primary_removal(create_ready(FailoverConfig{}), stack); }

TEST_F(FailoverCore, PrimaryRemovalInKernelRxModeDeliversStandbyRxLikeAnUnbind) {
    expect_primary_removal(create_ready(FailoverConfig::kernel_compat()), stack);
}

TEST_F(FailoverCore, CancelledPrimaryRemovalGoesBackToThePrimary) {
    FailoverMaster& m = create_ready(FailoverConfig::kernel_compat());
    m.begin_primary_removal();
    EXPECT_EQ(m.effective_tx(), Role::standby);
    m.cancel_primary_removal();
    EXPECT_EQ(m.effective_tx(), Role::primary);
    EXPECT_FALSE(m.rx_delivered(Role::standby));  // kernel R-X1 again
}

TEST_F(FailoverCore, PairsPrimaryByIdWhenItsMacIsUnknown) {
    MasterSpec spec;
    spec.name = "eth0";
    spec.standby = make_pv("eth0sby", "vmbus0");
    spec.primary_pair_id = "7";
    FailoverMaster& m = registry.create_master(spec, stack.snapshot());
    Netdev vf = make_vf("enP7s1");
    vf.dev_addr = vf.perm_addr = kMacOther;
    vf.pair_id = "7";
    stack.add(vf);
    ASSERT_NE(m.slave(Role::primary), nullptr);
    EXPECT_EQ(m.slave(Role::primary)->name, "enP7s1");
    Netdev wrong = make_vf("enP8s1", "0000:00:12.0");
    wrong.dev_addr = wrong.perm_addr = kMacOther;
    wrong.pair_id = "8";
    stack.unplug("enP7s1");
    FakeNetdev& other = stack.add(wrong);
    EXPECT_FALSE(other.enslaved());
}

// A trusted VF (paired by id, its own MAC) takes the standby's MAC before it opens, and gets its own back when
// it leaves; the standby and MAC-paired primaries are never touched.
TEST_F(FailoverCore, PrimaryPairedByIdTakesTheStandbysMacAndGetsItsOwnBack) {
    MasterSpec spec;
    spec.name = "eth0";
    spec.standby = make_pv("eth0sby", "vmbus0");
    spec.primary_pair_id = "slot:7";
    stack.add(spec.standby);
    FailoverMaster& m = registry.create_master(spec, stack.snapshot());
    ASSERT_EQ(m.open(), std::error_code());
    Netdev vf = make_vf("enP7s1");
    vf.dev_addr = vf.perm_addr = kMacOther;
    vf.pair_id = "slot:7";
    FakeNetdev& dev = stack.add(vf);
    ASSERT_NE(m.slave(Role::primary), nullptr);
    EXPECT_EQ(dev.desc.dev_addr, kMacM);
    EXPECT_EQ(m.slave(Role::primary)->dev_addr, kMacM);
    const auto& log = dev.op_log;
    const auto taken = std::find(log.begin(), log.end(), "take_address " + kMacM.to_string());
    ASSERT_NE(taken, log.end());
    EXPECT_LT(taken - log.begin(), std::find(log.begin(), log.end(), "open") - log.begin()) << "taken before open";
    EXPECT_EQ(std::count(stack.get("eth0sby").op_log.begin(), stack.get("eth0sby").op_log.end(), "take_address " + kMacM.to_string()), 0);

    registry.destroy_master("eth0");
    EXPECT_EQ(dev.desc.dev_addr, kMacOther);
    const auto closed = std::find(log.begin(), log.end(), "close");
    const auto restored = std::find(log.begin(), log.end(), "restore_address");
    ASSERT_NE(restored, log.end());
    EXPECT_LT(closed - log.begin(), restored - log.begin()) << "restored while down";
}

TEST_F(FailoverCore, APrimaryThatRefusesTheMacIsNotUsed) {
    MasterSpec spec;
    spec.name = "eth0";
    spec.standby = make_pv("eth0sby", "vmbus0");
    spec.primary_pair_id = "slot:7";
    stack.add(spec.standby);
    FailoverMaster& m = registry.create_master(spec, stack.snapshot());
    ASSERT_EQ(m.open(), std::error_code());
    FakeNetdev prototype{make_vf("enP7s1")};
    prototype.desc.dev_addr = prototype.desc.perm_addr = kMacOther;
    prototype.desc.pair_id = "slot:7";
    prototype.fail.take_address = EADDRNOTAVAIL;
    FakeNetdev& dev = stack.add(prototype);
    EXPECT_EQ(m.slave(Role::primary), nullptr);
    EXPECT_FALSE(dev.enslaved()) << "rolled back: no upper, no rx handler, no slave flags";
    EXPECT_EQ(dev.desc.dev_addr, kMacOther);
    EXPECT_EQ(std::count(dev.op_log.begin(), dev.op_log.end(), "open"), 0) << "never opened as a slave";
    const FailoverEvent* rejected = sink.last(FailoverEventKind::slave_rejected);
    ASSERT_NE(rejected, nullptr);
    EXPECT_NE(rejected->reason.find("refused the MAC " + kMacM.to_string()), std::string::npos) << rejected->reason;
}

TEST_F(FailoverCore, APrimaryPairedByMacNeverHasItsMacSet) {
    create_ready();
    for (const char* name : {"ens10nsby", "ens11"}) {
        const auto& log = stack.get(name).op_log;
        EXPECT_TRUE(std::none_of(log.begin(), log.end(), [](const std::string& op) { return op.starts_with("take_address"); }))
            << name;
    }
    registry.destroy_master("ens10");
    for (const char* name : {"ens10nsby", "ens11"}) {
        const auto& log = stack.get(name).op_log;
        EXPECT_EQ(std::count(log.begin(), log.end(), "restore_address"), 0) << name;
    }
}

// CHANGEADDR (issue 9, defect 7): a device paired by its current MAC that gets the master's MAC after it
// appeared is enslaved then; a primary whose MAC changes away is released; the standby stays.
TEST_F(FailoverCore, AddressChangesPairAndReleaseThePrimary) {
    FailoverMaster& m = create_ready();
    stack.unplug("ens11");
    ASSERT_EQ(m.slave(Role::primary), nullptr);
    Netdev vf = make_vf("ens12", "0000:00:12.0");
    vf.dev_addr = vf.perm_addr = kMacOther;
    FakeNetdev& dev = stack.add(vf);
    EXPECT_FALSE(dev.enslaved());
    stack.set_address("ens12", kMacM);
    ASSERT_NE(m.slave(Role::primary), nullptr);
    EXPECT_EQ(m.slave(Role::primary)->name, "ens12");
    EXPECT_TRUE(stack.get("ens12").enslaved());
    stack.set_address("ens12", kMacOther);
    EXPECT_EQ(m.slave(Role::primary), nullptr);
    EXPECT_FALSE(stack.get("ens12").enslaved());
    stack.set_address("ens10nsby", kMacOther);  // the standby defines the master: it stays
    ASSERT_NE(m.slave(Role::standby), nullptr);
    EXPECT_EQ(m.slave(Role::standby)->name, "ens10nsby");
}

TEST_F(FailoverCore, GeneralPairingAcceptsANonPciPrimary) {
    FailoverConfig config;
    config.pairing = general_pairing();
    FailoverMaster& m = create(config);
    stack.add(make_pv());
    Netdev veth = make_vf("veth-vf", "");
    veth.parent_is_pci = false;
    stack.add(veth);
    ASSERT_NE(m.slave(Role::primary), nullptr);
    EXPECT_EQ(m.slave(Role::primary)->name, "veth-vf");
    EXPECT_EQ(m.slave(Role::standby)->name, "ens10nsby");
}

TEST_F(FailoverCore, GeneralPairingKnowsAParentlessStandbyByName) {
    FailoverConfig config;
    config.pairing = general_pairing();
    FailoverMaster& m = create(config, make_pv("tapsby", ""));
    stack.add(make_pv("tapsby", ""));
    Netdev veth = make_vf("veth-vf", "");
    veth.parent_is_pci = false;
    stack.add(veth);
    ASSERT_NE(m.slave(Role::standby), nullptr);
    EXPECT_EQ(m.slave(Role::standby)->name, "tapsby");
    ASSERT_NE(m.slave(Role::primary), nullptr);
    EXPECT_EQ(m.slave(Role::primary)->name, "veth-vf");
}

TEST_F(FailoverCore, EventsTellJoinActiveCarrierAndLeave) {
    FailoverMaster& m = create(FailoverConfig{});
    stack.add(make_pv());
    ASSERT_FALSE(m.open());
    stack.set_carrier("ens10nsby", true);
    stack.add(make_vf());
    stack.set_carrier("ens11", true);
    stack.unplug("ens11");
    std::vector<std::string> seen;
    for (const FailoverEvent& e : sink.events) {
        if (e.kind == FailoverEventKind::lower_state_changed) continue;
        seen.push_back(std::string(to_string(e.kind)) + " " + e.slave);
    }
    const std::vector<std::string> expected = {
        "slave-joined ens10nsby",  "active-changed ens10nsby", "carrier-changed ",  "slave-joined ens11",
        "active-changed ens11",    "active-changed ens10nsby", "slave-left ens11",
    };
    EXPECT_EQ(seen, expected);
    const FailoverEvent* left = sink.last(FailoverEventKind::slave_left);
    EXPECT_EQ(left->role, Role::primary);
    EXPECT_EQ(left->reason, "unregistered");
    EXPECT_EQ(sink.last(FailoverEventKind::active_changed)->reason, "primary ens11 down (not ready)");
}

TEST_F(FailoverCore, ImmediateCarrierIsRecomputedAtJoinAndMasterClose) {
    FailoverMaster& m = create(FailoverConfig{});
    ASSERT_FALSE(m.open());
    Netdev vf = make_vf();
    vf.carrier = true;
    stack.add(vf);
    EXPECT_TRUE(m.carrier());  // unlike scenario 25 (kernel L3)
    m.close();
    EXPECT_FALSE(m.carrier());  // unlike scenario 24 (kernel L4)
}

TEST_F(FailoverCore, SlaveMovedToAnotherNamespaceRejoins) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    FakeNetdev& vf = stack.add(make_vf());
    stack.move_netns("ens11", 5);  // UNREGISTER, then REGISTER there: the lookup is global (E9, P7)
    ASSERT_NE(m.slave(Role::primary), nullptr);
    EXPECT_EQ(m.slave(Role::primary)->netns, 5u);
    EXPECT_EQ(vf.upper, "ens10");
}

TEST_F(FailoverCore, FailedSlaveFlagsLeaveNothingBehind) {
    FailoverMaster& m = create();
    FakeNetdev proto;
    proto.desc = make_vf();
    proto.fail.slave_flags = EPERM;
    FakeNetdev& vf = stack.add(proto);
    EXPECT_EQ(m.slave(Role::primary), nullptr);
    EXPECT_FALSE(vf.enslaved());
}

TEST_F(FailoverCore, MasterOpenFailureClosesThePrimary) {
    FailoverMaster& m = create();
    FakeNetdev pv;
    pv.desc = make_pv();
    pv.fail.open = EIO;
    stack.add(pv);
    FakeNetdev& vf = stack.add(make_vf());
    EXPECT_EQ(m.open(), std::errc::io_error);
    EXPECT_FALSE(vf.desc.running);
    EXPECT_FALSE(m.running());
    EXPECT_TRUE(m.tx_queues_stopped());
}

TEST_F(FailoverCore, ProgramDrivesTheMemoryDatapathThroughAFailover) {
    FailoverMaster& m = create_ready(FailoverConfig{});
    datapath::MemoryDatapath dp({"ens10", kMacM});
    DatapathApplier applier(dp);
    applier.apply(compute_program(m));
    ASSERT_TRUE(dp.attached(Role::primary).has_value());
    EXPECT_EQ(dp.attached(Role::primary)->name, "ens11");
    EXPECT_EQ(dp.transmit({1}), Role::primary);

    stack.unplug("ens11");
    const DatapathProgram after = compute_program(m);
    EXPECT_FALSE(after.slave(Role::primary).has_value());
    EXPECT_EQ(after.tx, Role::standby);
    EXPECT_TRUE(after.rx_delivered(Role::standby));
    applier.apply(after);
    EXPECT_FALSE(dp.attached(Role::primary).has_value());
    EXPECT_EQ(dp.transmit({2}), Role::standby);
    EXPECT_TRUE(dp.receive(Role::standby, {3}));
    EXPECT_TRUE(dp.carrier());
    EXPECT_EQ(applier.applied(), after);

    stack.set_carrier("ens10nsby", false);
    applier.apply(compute_program(m));
    EXPECT_FALSE(dp.carrier());
    EXPECT_FALSE(dp.transmit({4}).has_value());
    EXPECT_EQ(dp.counters().tx_dropped, 1u);
}

// A renamed slave is the same device to the datapath: it is not attached again (the rename may be the last
// event of a VF the VMM is taking back, by then no longer in the namespace); a new ifindex is.
TEST_F(FailoverCore, RenamedSlaveIsNotAttachedAgain) {
    FailoverMaster& m = create_ready(FailoverConfig{});
    datapath::MemoryDatapath dp({"ens10", kMacM});
    DatapathApplier applier(dp);
    const DatapathProgram first = compute_program(m);
    applier.apply(first);
    ASSERT_TRUE(dp.attached(Role::primary).has_value());
    const std::string name = dp.attached(Role::primary)->name;

    DatapathProgram renamed = first;
    renamed.slaves[slot_index(Role::primary)]->name = "vf-vm1g";
    applier.apply(renamed);
    EXPECT_EQ(dp.attached(Role::primary)->name, name) << "attached again for a rename";
    EXPECT_EQ(applier.applied(), renamed);

    DatapathProgram replaced = renamed;
    replaced.slaves[slot_index(Role::primary)]->ifindex += 100;
    replaced.slaves[slot_index(Role::primary)]->name = "ens4";
    applier.apply(replaced);
    EXPECT_EQ(dp.attached(Role::primary)->name, "ens4");
    EXPECT_EQ(dp.attached(Role::primary)->ifindex, replaced.slaves[slot_index(Role::primary)]->ifindex);
}

TEST(FeatureMerge, HwCsumDropsNarrowerChecksums) {
    const feature::Bits merged =
        merge_features(0, feature::ip_csum | feature::hw_csum | feature::sg, feature::failover_vlan_features);
    EXPECT_TRUE(merged & feature::hw_csum);
    EXPECT_FALSE(merged & feature::ip_csum);
    EXPECT_TRUE(merged & feature::sg);
    // All-for-all bits survive only if every device has them.
    EXPECT_FALSE(merge_features(feature::nocache_copy, feature::sg, feature::failover_vlan_features) &
                 feature::nocache_copy);
}

TEST(TxChoice, PrimaryThenStandbyThenNone) {
    Netdev primary, standby;
    EXPECT_EQ(choose_tx(&primary, &standby, ActiveChoice::automatic), std::nullopt);
    standby.running = standby.carrier = true;
    EXPECT_EQ(choose_tx(&primary, &standby, ActiveChoice::automatic), Role::standby);
    primary.carrier = true;  // carrier alone is not enough (T1)
    EXPECT_EQ(choose_tx(&primary, &standby, ActiveChoice::automatic), Role::standby);
    primary.running = true;
    EXPECT_EQ(choose_tx(&primary, &standby, ActiveChoice::automatic), Role::primary);
    EXPECT_EQ(choose_tx(nullptr, nullptr, ActiveChoice::standby), std::nullopt);
}

}  // namespace
}  // namespace nf::failover::test
