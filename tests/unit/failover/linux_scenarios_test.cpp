// linux-failover.md §14, one test per scenario 1-40. Kernel-compat configuration unless the scenario is
// about behaviour we share with the kernel anyway.
#include <cerrno>

#include "common/error.h"
#include "datapath/memory/memory_datapath.h"
#include "failover_fixture.h"

namespace nf::failover::test {
namespace {

using LinuxScenarios = FailoverTest;
using sim::FakeNetdev;

TEST_F(LinuxScenarios, Scenario01_Create) {
    FailoverMaster& m = create();
    EXPECT_EQ(m.dev_addr(), kMacM);
    EXPECT_EQ(m.perm_addr(), kMacM);
    EXPECT_EQ(m.mtu(), 1500u);
    EXPECT_EQ(m.min_mtu(), 68u);
    EXPECT_EQ(m.max_mtu(), 9000u);
    EXPECT_FALSE(m.carrier());
    EXPECT_EQ(m.num_tx_queues(), 16u);
    ASSERT_EQ(registry.masters().size(), 1u);
    EXPECT_EQ(registry.find("ens10"), &m);
    // IFF_FAILOVER: a failover master is never taken as a slave.
    Netdev self = make_pv("ens10", "virtio0");
    self.is_failover_master = true;
    FakeNetdev& dev = stack.add(self);
    EXPECT_FALSE(dev.enslaved());
}

TEST_F(LinuxScenarios, Scenario02_StandbyJoin) {
    FailoverMaster& m = create();
    FakeNetdev& pv = stack.add(make_pv());
    ASSERT_NE(m.slave(Role::standby), nullptr);
    EXPECT_EQ(m.slave(Role::standby)->name, "ens10nsby");
    EXPECT_EQ(pv.desc.mtu, 1500u);
    EXPECT_TRUE(pv.failover_slave_flag);
    EXPECT_EQ(pv.upper, "ens10");
    EXPECT_EQ(pv.rx_handler_owner, "ens10");
    EXPECT_FALSE(has_op(pv, "open"));
    EXPECT_FALSE(pv.desc.running);
    const FailoverEvent* join = sink.last(FailoverEventKind::slave_joined);
    ASSERT_NE(join, nullptr);
    EXPECT_EQ(join->slave, "ens10nsby");
    EXPECT_EQ(join->role, Role::standby);
}

TEST_F(LinuxScenarios, Scenario03_PrimaryJoin) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    Netdev vf = make_vf();
    vf.min_mtu = 576;
    vf.max_mtu = 4000;
    stack.add(vf);
    ASSERT_NE(m.slave(Role::primary), nullptr);
    EXPECT_EQ(m.slave(Role::primary)->name, "ens11");
    EXPECT_EQ(m.min_mtu(), 576u);
    EXPECT_EQ(m.max_mtu(), 4000u);
}

TEST_F(LinuxScenarios, Scenario04_NonPciLookalike) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    sink.clear();
    Netdev lookalike = make_vf("eth5", "platform-dev0");
    lookalike.parent_is_pci = false;
    FakeNetdev& dev = stack.add(lookalike);
    EXPECT_FALSE(dev.enslaved());
    EXPECT_EQ(m.slave(Role::primary), nullptr);
    EXPECT_TRUE(sink.events.empty());  // P5b rejects silently
}

TEST_F(LinuxScenarios, Scenario05_DuplicateVf) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    stack.add(make_vf("ens11", "0000:00:11.0"));
    FakeNetdev& second = stack.add(make_vf("ens12", "0000:00:12.0"));
    EXPECT_FALSE(second.enslaved());
    const FailoverEvent* rejected = sink.last(FailoverEventKind::slave_rejected);
    ASSERT_NE(rejected, nullptr);
    EXPECT_EQ(rejected->slave, "ens12");
    EXPECT_EQ(rejected->reason, "primary already present");
    stack.unplug("ens11");
    EXPECT_EQ(m.slave(Role::primary), nullptr);
    EXPECT_FALSE(second.enslaved());  // P8: never reconsidered
}

TEST_F(LinuxScenarios, Scenario06_DevAddrOnly) {
    FailoverMaster& m = create();
    Netdev vf = make_vf();
    vf.perm_addr = kMacOther;
    vf.dev_addr = kMacM;
    FakeNetdev& dev = stack.add(vf);
    EXPECT_FALSE(dev.enslaved());
    EXPECT_EQ(m.slave(Role::primary), nullptr);
}

TEST_F(LinuxScenarios, Scenario07_NonEthernet) {
    FailoverMaster& m = create();
    Netdev odd = make_vf("ib0");
    odd.type = NetdevType::other;
    FakeNetdev& dev = stack.add(odd);
    EXPECT_FALSE(dev.enslaved());
    EXPECT_EQ(m.slave(Role::primary), nullptr);
}

TEST_F(LinuxScenarios, Scenario08_PreExistingVf) {
    FakeNetdev& vf = stack.add(make_vf("ens11", "0000:00:11.0"));
    Netdev elsewhere = make_vf("ens12", "0000:00:12.0");
    elsewhere.netns = 2;
    FakeNetdev& other = stack.add(elsewhere);
    FailoverMaster& m = create();
    ASSERT_NE(m.slave(Role::primary), nullptr);
    EXPECT_EQ(m.slave(Role::primary)->name, "ens11");
    EXPECT_TRUE(vf.failover_slave_flag);
    EXPECT_FALSE(other.enslaved());  // the scan is scoped to the master's netns (P6)
}

// Userspace: "already a bridge port" is another owner of the receive path, refused with EBUSY.
TEST_F(LinuxScenarios, Scenario09_BusyRxHandler) {
    FailoverMaster& m = create();
    FakeNetdev port;
    port.desc = make_vf();
    port.rx_handler_owner = "bridge br0";
    FakeNetdev& vf = stack.add(port);
    EXPECT_EQ(m.slave(Role::primary), nullptr);
    EXPECT_EQ(vf.rx_handler_owner, "bridge br0");
    EXPECT_FALSE(vf.upper.has_value());
    EXPECT_FALSE(vf.failover_slave_flag);
}

TEST_F(LinuxScenarios, Scenario10_MtuRefusal) {
    FailoverMaster& m = create();
    Netdev small = make_vf();
    small.mtu = 1400;
    small.max_mtu = 1400;
    FakeNetdev& vf = stack.add(small);
    EXPECT_EQ(m.slave(Role::primary), nullptr);
    EXPECT_TRUE(has_op(vf, "set_mtu 1500"));
    EXPECT_EQ(vf.desc.mtu, 1400u);
    EXPECT_FALSE(vf.enslaved());
}

TEST_F(LinuxScenarios, Scenario11_OpenFailure) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    ASSERT_FALSE(m.open());

    FakeNetdev failing;
    failing.desc = make_vf("ens11", "0000:00:11.0");
    failing.desc.mtu = 9000;
    failing.fail.open = EIO;
    FakeNetdev& eio = stack.add(failing);
    EXPECT_EQ(m.slave(Role::primary), nullptr);
    EXPECT_EQ(eio.desc.mtu, 9000u);  // restored
    EXPECT_TRUE(has_op(eio, "set_mtu 1500"));
    EXPECT_FALSE(eio.enslaved());
    stack.unplug("ens11");

    FakeNetdev busy_proto;
    busy_proto.desc = make_vf("ens12", "0000:00:12.0");
    busy_proto.fail.open = EBUSY;
    FakeNetdev& busy = stack.add(busy_proto);
    ASSERT_NE(m.slave(Role::primary), nullptr);
    EXPECT_EQ(m.slave(Role::primary)->name, "ens12");
    EXPECT_FALSE(busy.desc.running);
    busy.fail.open.reset();
    stack.rename("ens12", "ens12v");
    EXPECT_TRUE(busy.desc.running);  // L7 reopened it
    EXPECT_EQ(m.slave(Role::primary)->name, "ens12v");
}

TEST_F(LinuxScenarios, Scenario12_VlanCopyFailure) {
    FailoverMaster& m = create();
    ASSERT_FALSE(m.add_vid(100));
    m.set_addresses({{}, {*MacAddress::parse("01:00:5e:00:00:fb")}});
    ASSERT_FALSE(m.open());
    FakeNetdev proto;
    proto.desc = make_vf();
    proto.desc.mtu = 9000;
    proto.fail.refuse_all_vids = true;
    FakeNetdev& vf = stack.add(proto);
    EXPECT_EQ(m.slave(Role::primary), nullptr);
    const std::vector<std::string> expected = {"install_rx_handler", "link ens10", "set_slave_flags", "set_mtu 1500",
                                               "open", "sync_addresses", "add_vid 100", "unsync_addresses", "close",
                                               "set_mtu 9000", "clear_slave_flags", "unlink ens10",
                                               "remove_rx_handler"};
    EXPECT_EQ(vf.op_log, expected);
    EXPECT_TRUE(vf.desc.addresses.mc.empty());
    EXPECT_FALSE(vf.desc.running);
    EXPECT_EQ(vf.desc.mtu, 9000u);
    EXPECT_FALSE(vf.enslaved());
}

TEST_F(LinuxScenarios, Scenario13_TxPrefersPrimary) {
    FailoverMaster& m = create_ready();
    for (int i = 0; i < 10; ++i) {
        const TxDecision d = m.transmit(TxPacket{100, 7, std::nullopt, static_cast<std::uint32_t>(i)});
        EXPECT_EQ(d.slot, Role::primary);
        EXPECT_EQ(d.queue_mapping, 7);  // T3: the saved mapping is restored
        EXPECT_FALSE(d.error);
    }
    datapath::MemoryDatapath dp({"ens10", kMacM});
    DatapathApplier(dp).apply(compute_program(m));
    for (int i = 0; i < 10; ++i) dp.transmit(datapath::Frame(64, static_cast<std::uint8_t>(i)));
    EXPECT_EQ(dp.sent_on(Role::primary).size(), 10u);
    EXPECT_TRUE(dp.sent_on(Role::standby).empty());
}

TEST_F(LinuxScenarios, Scenario14_TxOnNoCarrier) {
    FailoverMaster& m = create_ready();
    stack.set_carrier("ens11", false);
    ASSERT_TRUE(m.slave(Role::primary)->running);
    EXPECT_EQ(m.transmit({}).slot, Role::standby);
}

TEST_F(LinuxScenarios, Scenario15_TxOnAdminDown) {
    FailoverMaster& m = create_ready();
    stack.set_admin("ens11", false);
    EXPECT_TRUE(m.slave(Role::primary)->carrier);
    EXPECT_EQ(m.transmit({}).slot, Role::standby);
}

TEST_F(LinuxScenarios, Scenario16_Blackhole) {
    FailoverMaster& m = create();
    ASSERT_FALSE(m.open());
    // Both join running but without carrier; their UPs precede the role (L3), so no L2 stops the queues.
    stack.add(make_pv());
    stack.add(make_vf());
    ASSERT_TRUE(m.slave(Role::primary)->running);
    ASSERT_FALSE(m.tx_queues_stopped());
    const std::uint64_t before = m.stats().tx_dropped;
    for (int i = 0; i < 5; ++i) {
        const TxDecision d = m.transmit({});
        EXPECT_FALSE(d.slot.has_value());
        EXPECT_FALSE(d.error);  // the sender sees success
    }
    EXPECT_EQ(m.stats().tx_dropped, before + 5);
}

TEST_F(LinuxScenarios, Scenario17_StoppedQueues) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    stack.add(make_vf());
    ASSERT_FALSE(m.open());
    stack.set_carrier("ens11", true);
    ASSERT_TRUE(m.carrier());
    stack.set_carrier("ens11", false);  // standby has no carrier: L2 turns the carrier off, stops the queues
    ASSERT_FALSE(m.carrier());
    ASSERT_TRUE(m.tx_queues_stopped());
    const TxDecision d = m.transmit({});
    EXPECT_FALSE(d.slot.has_value());
    EXPECT_EQ(d.error, std::errc::network_down);
    EXPECT_EQ(m.stats().tx_dropped, 1u);
}

TEST_F(LinuxScenarios, Scenario18_QueueReduction) {
    FailoverMaster& m = create_ready();
    ASSERT_EQ(m.slave(Role::primary)->num_tx_queues, 32u);
    const TxDecision d = m.transmit(TxPacket{64, 0, std::nullopt, 20});  // the primary picks queue 20
    EXPECT_EQ(d.master_queue, 4);
    EXPECT_EQ(reduce_queue(20, 16), 4);
}

TEST_F(LinuxScenarios, Scenario19_NoPrimaryQueue) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    TxPacket p;
    p.recorded_rx_queue = 3;
    EXPECT_EQ(m.transmit(p).master_queue, 3);
    EXPECT_EQ(select_master_queue(nullptr, p, 16), 3);
}

TEST_F(LinuxScenarios, Scenario20_RxViaPrimary) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    stack.add(make_vf());
    EXPECT_TRUE(m.rx_delivered(Role::primary));
    datapath::MemoryDatapath dp({"ens10", kMacM});
    DatapathApplier(dp).apply(compute_program(m));
    const datapath::Frame frame{1, 2, 3};
    EXPECT_TRUE(dp.receive(Role::primary, frame));
    ASSERT_EQ(dp.delivered_to_master().size(), 1u);
    EXPECT_EQ(dp.delivered_to_master()[0], frame);
}

// Userspace: "a listener bound to the standby" is what stays on the slave (kept_on_slave); rx_nohandler
// is the datapath's per-slot rx_dropped.
TEST_F(LinuxScenarios, Scenario21_RxViaStandbyPrimaryPresent) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    stack.add(make_vf());  // registered, down
    EXPECT_FALSE(m.rx_delivered(Role::standby));
    datapath::MemoryDatapath dp({"ens10", kMacM});
    DatapathApplier(dp).apply(compute_program(m));
    const datapath::Frame frame{9, 9};
    EXPECT_FALSE(dp.receive(Role::standby, frame));
    EXPECT_TRUE(dp.delivered_to_master().empty());
    ASSERT_EQ(dp.kept_on_slave(Role::standby).size(), 1u);
    EXPECT_EQ(dp.counters().slot[datapath::slot_index(Role::standby)].rx_dropped, 1u);
}

TEST_F(LinuxScenarios, Scenario22_RxViaStandbyNoPrimary) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    EXPECT_TRUE(m.rx_delivered(Role::standby));
    datapath::MemoryDatapath dp({"ens10", kMacM});
    DatapathApplier(dp).apply(compute_program(m));
    EXPECT_TRUE(dp.receive(Role::standby, {4, 5}));
    EXPECT_EQ(dp.delivered_to_master().size(), 1u);
}

TEST_F(LinuxScenarios, Scenario23_CarrierTracking) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    stack.add(make_vf());
    ASSERT_FALSE(m.open());
    stack.set_admin("ens10nsby", false);
    stack.set_carrier("ens11", true);
    EXPECT_TRUE(m.carrier());
    stack.set_carrier("ens11", false);
    EXPECT_FALSE(m.carrier());
    EXPECT_TRUE(m.tx_queues_stopped());
    stack.set_admin("ens10nsby", true);
    stack.set_carrier("ens10nsby", true);
    EXPECT_TRUE(m.carrier());
    EXPECT_FALSE(m.tx_queues_stopped());
}

TEST_F(LinuxScenarios, Scenario24_MasterDownUp) {
    FailoverMaster& m = create();
    FakeNetdev& pv = stack.add(make_pv());
    FakeNetdev& vf = stack.add(make_vf());
    stack.set_admin("ens11", true);
    stack.set_carrier("ens11", true);
    EXPECT_FALSE(m.carrier());  // L4: ignored while the master is down
    ASSERT_FALSE(m.open());
    EXPECT_TRUE(m.carrier());
    m.close();
    EXPECT_TRUE(m.carrier());  // M10 leaves it as it is
    EXPECT_FALSE(vf.desc.running);
    EXPECT_FALSE(pv.desc.running);
}

TEST_F(LinuxScenarios, Scenario25_NoRecomputeAtJoin) {
    FailoverMaster& m = create();
    ASSERT_FALSE(m.open());
    Netdev vf = make_vf();
    vf.carrier = true;
    stack.add(vf);  // opened by R2c; its UP comes before the role is published (L3)
    ASSERT_NE(m.slave(Role::primary), nullptr);
    EXPECT_TRUE(xmit_ready(*m.slave(Role::primary)));
    EXPECT_FALSE(m.carrier());
    stack.set_carrier("ens11", true);  // the next CHANGE corrects it
    EXPECT_TRUE(m.carrier());
}

TEST_F(LinuxScenarios, Scenario26_VfUnplug) {
    Netdev vf_desc = make_vf();
    vf_desc.min_mtu = 576;
    vf_desc.max_mtu = 4000;
    vf_desc.features.hard_header_len = 18;
    FailoverMaster& m = create();
    stack.add(make_pv());
    stack.add(vf_desc);
    ASSERT_FALSE(m.open());
    stack.set_carrier("ens10nsby", true);
    stack.set_carrier("ens11", true);
    ASSERT_EQ(m.features().hard_header_len, 18u);

    bool saw_unregister = false;
    bool carrier_after_down = false;
    std::optional<Role> tx_after_down;
    std::vector<std::string> vf_ops;
    stack.set_listener([&](const NetdevEvent& e) {
        if (e.kind == NetdevEventKind::unregistered && e.dev.name == "ens11") {
            saw_unregister = true;
            carrier_after_down = m.carrier();
            tx_after_down = m.effective_tx();
            registry.handle(e);
            vf_ops = stack.get("ens11").op_log;
            return;
        }
        registry.handle(e);
    });
    stack.unplug("ens11");
    ASSERT_TRUE(saw_unregister);
    EXPECT_TRUE(carrier_after_down);
    EXPECT_EQ(tx_after_down, Role::standby);
    EXPECT_EQ(m.slave(Role::primary), nullptr);
    EXPECT_EQ(std::count(vf_ops.begin(), vf_ops.end(), "close"), 2);  // M-close-first, then R5
    EXPECT_EQ(m.min_mtu(), 68u);
    EXPECT_EQ(m.max_mtu(), 9000u);
    EXPECT_EQ(m.features().hard_header_len, kEthHeaderLen);
    EXPECT_TRUE(m.rx_delivered(Role::standby));
}

TEST_F(LinuxScenarios, Scenario27_CounterReset) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    stack.add(make_vf());
    Stats64 s;
    s.rx_packets = 100;
    stack.set_stats("ens11", s);
    EXPECT_EQ(m.stats().rx_packets, 100u);
    s.rx_packets = 0;
    stack.set_stats("ens11", s);
    EXPECT_EQ(m.stats().rx_packets, 100u);
    s.rx_packets = 10;
    stack.set_stats("ens11", s);
    EXPECT_EQ(m.stats().rx_packets, 110u);
}

TEST_F(LinuxScenarios, Scenario28_Wrap32) {
    EXPECT_EQ(counter_increase(0xFFFFFFF0u, 0x10u), 0x20u);
    Stats64 acc, snapshot, now;
    snapshot.tx_bytes = 0xFFFFFFF0u;
    now.tx_bytes = 0x10u;
    fold_stats(acc, snapshot, now);
    EXPECT_EQ(acc.tx_bytes, 0x20u);
    EXPECT_EQ(snapshot.tx_bytes, 0x10u);
}

TEST_F(LinuxScenarios, Scenario29_Baseline) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    Netdev vf = make_vf();
    vf.stats.rx_packets = 1000;
    stack.add(vf);
    EXPECT_EQ(m.stats().rx_packets, 0u);
}

TEST_F(LinuxScenarios, Scenario30_StatsAcrossUnplug) {
    for (StatsMode mode : {StatsMode::monotonic, StatsMode::kernel_reset}) {
        SCOPED_TRACE(mode == StatsMode::monotonic ? "monotonic" : "kernel_reset");
        FailoverConfig config = FailoverConfig::kernel_compat();
        config.stats = mode;
        const std::string name = mode == StatsMode::monotonic ? "mono" : "compat";
        Netdev pv = make_pv(name + "sby", name + "-virtio");
        pv.dev_addr = pv.perm_addr = *MacAddress::parse(mode == StatsMode::monotonic ? "02:00:00:00:00:01"
                                                                                      : "02:00:00:00:00:02");
        FailoverMaster& m = create(config, pv, name);
        stack.add(pv);
        Netdev vf = make_vf(name + "vf", name + "-pci");
        vf.dev_addr = vf.perm_addr = pv.perm_addr;
        stack.add(vf);
        Stats64 s;
        s.rx_packets = 1000;
        stack.set_stats(vf.name, s);
        ASSERT_EQ(m.stats().rx_packets, 1000u);
        s.rx_packets = 1200;  // 200 more since the last read
        stack.set_stats(vf.name, s);
        stack.unplug(vf.name);
        if (mode == StatsMode::monotonic) {
            EXPECT_EQ(m.stats().rx_packets, 1200u);
        } else {
            EXPECT_EQ(m.stats().rx_packets, 200u);  // S5: only the delta since the previous read
        }
    }
}

TEST_F(LinuxScenarios, Scenario31_MtuRollback) {
    FailoverMaster& m = create();
    FakeNetdev pv_proto;
    pv_proto.desc = make_pv();
    pv_proto.fail.mtu_above = 1500;
    stack.add(pv_proto);
    FakeNetdev& vf = stack.add(make_vf());
    const std::error_code ec = m.set_mtu(9000);
    EXPECT_EQ(ec, std::errc::invalid_argument);
    EXPECT_EQ(vf.desc.mtu, 1500u);
    EXPECT_TRUE(has_op(vf, "set_mtu 9000"));
    EXPECT_EQ(vf.op_log.back(), "set_mtu 1500");
    EXPECT_EQ(m.mtu(), 1500u);
}

TEST_F(LinuxScenarios, Scenario32_MtuRangeFollowsPrimary) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    Netdev vf = make_vf();
    vf.max_mtu = 4000;
    stack.add(vf);
    EXPECT_EQ(m.max_mtu(), 4000u);
    stack.unplug("ens11");
    EXPECT_EQ(m.max_mtu(), 9000u);
}

TEST_F(LinuxScenarios, Scenario33_VlanAddRollback) {
    FailoverMaster& m = create();
    FakeNetdev pv_proto;
    pv_proto.desc = make_pv();
    pv_proto.fail.refused_vids = {5};
    FakeNetdev& pv = stack.add(pv_proto);
    FakeNetdev& vf = stack.add(make_vf());
    EXPECT_EQ(m.add_vid(5), std::errc::operation_not_permitted);
    EXPECT_FALSE(vf.desc.vids.contains(5));
    EXPECT_TRUE(has_op(vf, "kill_vid 5"));
    EXPECT_FALSE(m.vids().contains(5));
    ASSERT_FALSE(m.add_vid(6));
    EXPECT_TRUE(pv.desc.vids.contains(6));
    m.kill_vid(5);  // never fails, even for a vid nobody has
    m.kill_vid(6);
    EXPECT_FALSE(vf.desc.vids.contains(6));
    EXPECT_FALSE(pv.desc.vids.contains(6));
    EXPECT_TRUE(m.vids().empty());
}

TEST_F(LinuxScenarios, Scenario34_RxMode) {
    FailoverMaster& m = create();
    FakeNetdev& pv = stack.add(make_pv());
    FakeNetdev& vf = stack.add(make_vf());
    const MacAddress group = *MacAddress::parse("01:00:5e:00:00:fb");
    m.set_addresses({{}, {group}});
    EXPECT_EQ(pv.desc.addresses.mc, std::vector<MacAddress>{group});
    EXPECT_EQ(vf.desc.addresses.mc, std::vector<MacAddress>{group});
    const auto pv_ops = pv.op_log.size();
    const auto vf_ops = vf.op_log.size();
    m.set_promiscuous(true);
    EXPECT_TRUE(m.promiscuous());
    EXPECT_EQ(pv.op_log.size(), pv_ops);  // promiscuity is not propagated (M4)
    EXPECT_EQ(vf.op_log.size(), vf_ops);
}

TEST_F(LinuxScenarios, Scenario35_MacChange) {
    FailoverMaster& m = create();
    EXPECT_EQ(m.set_mac(kMacOther), std::errc::operation_not_supported);
    EXPECT_EQ(m.dev_addr(), kMacM);
}

TEST_F(LinuxScenarios, Scenario36_Destroy) {
    FailoverMaster& m = create();
    FakeNetdev& pv = stack.add(make_pv());
    Netdev vf_desc = make_vf();
    vf_desc.mtu = 9000;
    FakeNetdev& vf = stack.add(vf_desc);
    ASSERT_FALSE(m.open());
    ASSERT_TRUE(vf.desc.running);
    registry.destroy_master("ens10");
    for (FakeNetdev* dev : {&pv, &vf}) {
        EXPECT_FALSE(dev->upper.has_value());
        EXPECT_FALSE(dev->failover_slave_flag);
        EXPECT_FALSE(dev->rx_handler_owner.has_value());
    }
    EXPECT_FALSE(vf.desc.running);
    EXPECT_EQ(vf.desc.mtu, 1500u);  // C7: keeps the MTU failover gave it
    EXPECT_TRUE(registry.masters().empty());
    FakeNetdev& later = stack.add(make_vf("ens12", "0000:00:12.0"));
    EXPECT_FALSE(later.enslaved());
}

TEST_F(LinuxScenarios, Scenario37_VlanFeaturesMerge) {
    FailoverMaster& m = create();
    Netdev pv = make_pv();
    pv.features.vlan_features = feature::sg | feature::hw_csum;
    pv.features.hard_header_len = 14;
    Netdev vf = make_vf();
    vf.features.vlan_features = feature::hw_csum | feature::tso;
    vf.features.hard_header_len = 22;
    stack.add(pv);
    stack.add(vf);
    EXPECT_TRUE(m.features().vlan_features & feature::sg);
    EXPECT_TRUE(m.features().vlan_features & feature::tso);
    EXPECT_EQ(m.features().hard_header_len, 22u);
    EXPECT_EQ(m.features().features, feature::master_hw_features);  // never intersected
}

TEST_F(LinuxScenarios, Scenario38_LowerState) {
    FailoverMaster& m = create();
    stack.add(make_pv());
    stack.add(make_vf());
    ASSERT_FALSE(m.open());
    EXPECT_TRUE(m.lower_state(Role::primary).tx_enabled);
    EXPECT_FALSE(m.lower_state(Role::standby).tx_enabled);
    sink.clear();
    stack.set_carrier("ens11", true);
    ASSERT_EQ(sink.count(FailoverEventKind::lower_state_changed), 1u);  // only the slave involved [quirk]
    EXPECT_EQ(sink.last(FailoverEventKind::lower_state_changed)->slave, "ens11");
    EXPECT_TRUE(sink.last(FailoverEventKind::lower_state_changed)->lower.tx_enabled);
    stack.unplug("ens11");
    stack.set_carrier("ens10nsby", true);
    const FailoverEvent* e = sink.last(FailoverEventKind::lower_state_changed);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->slave, "ens10nsby");
    EXPECT_TRUE(e->lower.tx_enabled);
    EXPECT_TRUE(e->lower.link_up);
}

TEST_F(LinuxScenarios, Scenario39_TwoPvOneMac) {
    FailoverMaster& a = create(FailoverConfig::kernel_compat(), make_pv("pv1", "virtio0"), "A");
    stack.add(make_pv("pv1", "virtio0"));
    ASSERT_NE(a.slave(Role::standby), nullptr);
    FailoverMaster& b = create(FailoverConfig::kernel_compat(), make_pv("pv2", "virtio1"), "B");
    FakeNetdev& pv2 = stack.add(make_pv("pv2", "virtio1"));
    EXPECT_FALSE(pv2.enslaved());
    EXPECT_EQ(b.slave(Role::standby), nullptr);
    EXPECT_EQ(a.slave(Role::primary), nullptr);
}

TEST_F(LinuxScenarios, Scenario40_VirtioValidate) {
    const std::uint64_t standby = std::uint64_t{1} << kVirtioNetFStandby;
    const std::uint64_t mac = std::uint64_t{1} << kVirtioNetFMac;
    const std::uint64_t validated = validate_standby_features(standby);
    EXPECT_FALSE(standby_negotiated(validated));
    // Without a MAC there is nothing to pair by: no master is created.
    Netdev random_mac = make_pv();
    random_mac.dev_addr = random_mac.perm_addr = MacAddress{};
    EXPECT_THROW(create(FailoverConfig::kernel_compat(), random_mac), ConfigError);
    EXPECT_TRUE(registry.masters().empty());

    const std::uint64_t negotiated = validate_standby_features(standby | mac);
    EXPECT_TRUE(standby_negotiated(negotiated));
    EXPECT_EQ(standby_phys_port_name(negotiated), "sby");
    EXPECT_EQ(standby_set_mac_error(negotiated), EOPNOTSUPP);
    EXPECT_FALSE(standby_phys_port_name(mac).has_value());
    EXPECT_EQ(standby_set_mac_error(mac), 0);
}

}  // namespace
}  // namespace nf::failover::test
