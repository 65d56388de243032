// A VM with two failover pairs migrates, over QMP against real failover-vmm processes (qtest rows 23 and 24;
// acceptance 17 and 25): standby0/primary0 as in migration_fixture.h, plus standby1 (netdev hn1, guest eth1)
// paired with primary1 on a second VF per host (vf-vm2g on the source, vf-vm2bg on the destination, made
// here in the lab's host namespace, which removes them with itself).
#include <algorithm>

#include "migration_fixture.h"

namespace nf::vmm::test {
namespace {

constexpr const char* kVmMacB = "52:54:00:00:00:03";
constexpr const char* kVmMacB2 = "52:54:00:00:00:04";

class MigrationTwoPairs : public Migration {
protected:
    void SetUp() override {
        for (const auto& [vf, mac] : {std::pair{"vf-vm2", kVmMacB}, std::pair{"vf-vm2b", kVmMacB2}}) {
            lab.host("ip link add " + std::string(vf) + " type veth peer name " + vf + "g address " + mac);
            lab.host("ip link set " + std::string(vf) + " master br0");
            lab.host("ip link set " + std::string(vf) + " up");
        }
    }
    static std::string standby1() {
        return std::string("virtio-net-pci,id=standby1,netdev=hn1,mac=") + kVmMacB + ",failover=on,bus=root2,ifname=eth1";
    }
    static std::string primary1(const std::string& vf) {
        return "vfio-pci,id=primary1,host=" + vf + ",failover_pair_id=standby1,bus=root3,ifname=ens5";
    }
    std::vector<std::string> two_source_args() {
        auto a = source_args();
        a.insert(a.end(), {"--netdev", "bridge,id=hn1,br=br0", "--device", standby1(), "--device", primary1("vf-vm2g")});
        return a;
    }
    std::vector<std::string> two_dest_args() {
        auto a = dest_args("unix:" + mig_socket());
        a.insert(a.end(), {"--netdev", "bridge,id=hn1,br=br0", "--device", standby1(), "--device",
                           primary1("vf-vm2bg") + ",mac=" + kVmMacB});
        return a;
    }
};

// Row 23 + row 24, scenarios 17 and 25. Source: two UNPLUG_PRIMARY (any order) before wait-unplug; one eject
// leaves it in wait-unplug; the second ends the wait, then STOP and `completed`. Destination: both primaries
// hidden until the load, FAILOVER_NEGOTIATED for standby0 then standby1 (load order) before RESUME, all four
// devices present, both of its VFs in the guest; the source's VFs back on their host.
TEST_F(MigrationTwoPairs, Row23_24_BothPrimariesUnplugThenBothPlugInLoadOrder) {
    VmmProcess source(lab, two_source_args());
    VmmProcess dest(lab, two_dest_args(), dest_qmp(), lab.dir() + "/vmm-d.log");
    auto sq = source.qmp();
    auto dq = dest.qmp();
    auto guest = TestGuest::connect(lab.channel_path());
    guest.start_driver("standby0");
    guest.start_driver("standby1");
    ASSERT_TRUE(lab.wait_guest_link("ens4", true)) << source.log();
    ASSERT_TRUE(lab.wait_guest_link("ens5", true)) << source.log();
    for (int i = 0; i < 2; ++i) ASSERT_TRUE(sq.wait_event("FAILOVER_NEGOTIATED", 3s));
    (void)sq.take_events();
    set_caps(sq);
    set_caps(dq);
    for (const auto* id : {"standby0", "standby1", "primary0", "primary1"}) EXPECT_TRUE(pci_present(sq, id)) << id;
    EXPECT_FALSE(pci_present(dq, "primary0"));
    EXPECT_FALSE(pci_present(dq, "primary1"));

    sq.execute_ok("migrate", {{"uri", "unix:" + mig_socket()}});
    ASSERT_TRUE(wait_status(sq, "wait-unplug")) << source.log();
    auto ejects = std::vector<std::string>{};
    for (int i = 0; i < 2; ++i) {
        const auto request = guest.wait<channel::EjectRequest>(3s);
        ASSERT_TRUE(request) << "eject request " << i + 1 << " of 2 missing";
        ejects.push_back(request->device);
    }
    std::ranges::sort(ejects);
    EXPECT_EQ(ejects, (std::vector<std::string>{"primary0", "primary1"}));

    guest.eject("primary0");
    ASSERT_TRUE(lab.wait_guest_link("ens4", false));
    // One of two ejected: the wait goes on (QEMU's slow mode waits 5 s; 1 s here).
    for (int i = 0; i < 10; ++i) {
        ASSERT_EQ(status_of(sq), "wait-unplug") << "left wait-unplug with primary1 still plugged";
        std::this_thread::sleep_for(100ms);
    }
    guest.eject("primary1");
    const auto source_events = events_until_final(sq, sq.take_events());
    std::vector<std::string> unplugged;
    for (const auto& e : source_events)
        if (e.name == "UNPLUG_PRIMARY") unplugged.push_back(e.data.value("device-id", ""));
    std::ranges::sort(unplugged);
    EXPECT_EQ(unplugged, (std::vector<std::string>{"primary0", "primary1"}));
    auto order = migration_events(source_events);
    EXPECT_EQ(order, json({"MIGRATION(setup)", "UNPLUG_PRIMARY", "UNPLUG_PRIMARY", "MIGRATION(wait-unplug)",
                           "MIGRATION(active)", "STOP", "MIGRATION(device)", "MIGRATION(completed)"}))
        << source.log();
    EXPECT_EQ(sq.execute_ok("query-migrate")["x-netfailover"]["wait-unplug"]["result"], "ejected");

    ASSERT_TRUE(wait_status(dq, "completed")) << dest.log();
    const auto dest_events = events_until_final(dq, dq.take_events());
    std::vector<std::string> negotiated;
    for (const auto& e : dest_events)
        if (e.name == "FAILOVER_NEGOTIATED") negotiated.push_back(e.data.value("device-id", ""));
    EXPECT_EQ(negotiated, (std::vector<std::string>{"standby0", "standby1"})) << "not in load order";
    EXPECT_EQ(migration_events(dest_events), json({"MIGRATION(setup)", "MIGRATION(active)", "FAILOVER_NEGOTIATED",
                                                   "FAILOVER_NEGOTIATED", "RESUME", "MIGRATION(completed)"}))
        << dest.log();
    EXPECT_EQ(dq.execute_ok("query-status").value("status", ""), "running");
    for (const auto* id : {"standby0", "standby1", "primary0", "primary1"}) EXPECT_TRUE(pci_present(dq, id)) << id;
    ASSERT_TRUE(lab.wait_guest_link("ens4", true)) << dest.log();
    ASSERT_TRUE(lab.wait_guest_link("ens5", true)) << dest.log();
    EXPECT_FALSE(lab.in_host("vf-vm1bg"));
    EXPECT_FALSE(lab.in_host("vf-vm2bg"));
    EXPECT_TRUE(lab.in_host("vf-vm1g"));
    EXPECT_TRUE(lab.in_host("vf-vm2g"));
    // Each standby's tap reached the destination's standby of the same id (the guest's eth0 and eth1).
    const json vmm = dq.execute_ok("x-query-vmm");
    ASSERT_EQ(vmm["standbys"].size(), 2u) << vmm.dump();
    EXPECT_TRUE(lab.in_guest("eth0"));
    EXPECT_TRUE(lab.in_guest("eth1"));
    EXPECT_EQ(source.terminate(), 0);
    EXPECT_TRUE(lab.in_guest("eth0"));
    EXPECT_TRUE(lab.in_guest("eth1"));
    EXPECT_EQ(dest.terminate(), 0);
}

}  // namespace
}  // namespace nf::vmm::test
