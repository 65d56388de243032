// A standby with failover=off migrates like any NIC, over QMP against real failover-vmm processes (qtest
// rows 14–16; acceptance 22, 27): no unplug request, no wait-unplug, the primary is an ordinary device on
// both sides. The destination's VF is not hidden, so it gets a guest name of its own (ens5): the lab's
// guest is one namespace, and the source's VF (ens4) is in it until the guest has left the source.
#include "device/features.h"
#include "migration_fixture.h"

namespace nf::vmm::test {
namespace {

class MigrationFailoverOff : public Migration {
protected:
    static std::string off_standby() {
        return std::string("virtio-net-pci,id=standby0,netdev=hn0,mac=") + kVmMac + ",failover=off,bus=root0,ifname=eth0";
    }
    std::vector<std::string> off_source_args() {
        auto a = base_arguments(lab, "while-bound");
        a.insert(a.end(), {"--device", off_standby(), "--device", primary_device()});
        return a;
    }
    std::vector<std::string> off_dest_args() {
        auto a = base_arguments(lab, "while-bound");
        a[1] = "vm1d";
        a[3] = dest_qmp();
        a.insert(a.end(), {"--incoming", "unix:" + mig_socket(), "--device", off_standby(), "--device",
                           "vfio-pci,id=primary0,host=vf-vm1bg,failover_pair_id=standby0,bus=root1,ifname=ens5"});
        return a;
    }
    // Both VMMs up, the guest's driver started (STANDBY is not offered with failover=off).
    void start() {
        source.emplace(lab, off_source_args());
        dest.emplace(lab, off_dest_args(), dest_qmp(), lab.dir() + "/vmm-d.log");
        sq.emplace(source->qmp());
        dq.emplace(dest->qmp());
        guest.emplace(TestGuest::connect(lab.channel_path()));
        EXPECT_EQ(guest->offered("standby0") & device::kFeatureStandby, 0u) << "failover=off offers no STANDBY";
        guest->start_driver("standby0", false);
        EXPECT_TRUE(no_event(*sq, "FAILOVER_NEGOTIATED"));
        set_caps(*sq);
        set_caps(*dq);
        ASSERT_TRUE(pci_present(*sq, "standby0"));
        ASSERT_TRUE(pci_present(*sq, "primary0")) << "failover=off: the primary is plugged at boot";
        ASSERT_TRUE(lab.in_guest("ens4"));
        // The destination has both devices; the guest is not running there, so nothing of it is in the guest.
        EXPECT_TRUE(pci_present(*dq, "standby0"));
        EXPECT_TRUE(pci_present(*dq, "primary0"));
        EXPECT_TRUE(lab.in_host("vf-vm1bg")) << "the destination put its VF into a guest that runs elsewhere";
        EXPECT_FALSE(lab.in_guest("ens5"));
    }

    std::optional<VmmProcess> source, dest;
    std::optional<qmp::QmpClient> sq, dq;
    std::optional<TestGuest> guest;
};

// Rows 14 + 15, scenarios 22 and 27: no UNPLUG_PRIMARY, no wait-unplug, `completed` with STOP on the source;
// on the destination both devices present before and after the load, RESUME, `completed`, no
// FAILOVER_NEGOTIATED. The guest then has the destination's VF, and the source's VF is back on its host.
TEST_F(MigrationFailoverOff, Row14_15_MigratesWithoutUnplugBothPresent) {
    start();
    sq->execute_ok("migrate", {{"uri", "unix:" + mig_socket()}});
    const auto source_events = migration_events(events_until_final(*sq, sq->take_events()));
    EXPECT_EQ(source_events,
              json({"MIGRATION(setup)", "MIGRATION(active)", "STOP", "MIGRATION(device)", "MIGRATION(completed)"}))
        << source->log();
    const json sinfo = sq->execute_ok("query-migrate");
    EXPECT_EQ(sinfo["status"], "completed");
    EXPECT_EQ(sinfo["x-netfailover"]["wait-unplug"]["result"], "not-needed") << sinfo.dump();
    EXPECT_EQ(sq->execute_ok("query-status").value("status", ""), "postmigrate");

    ASSERT_TRUE(wait_status(*dq, "completed")) << dest->log();
    const auto dest_events = migration_events(events_until_final(*dq, dq->take_events()));
    EXPECT_EQ(dest_events, json({"MIGRATION(setup)", "MIGRATION(active)", "RESUME", "MIGRATION(completed)"}))
        << dest->log();
    EXPECT_EQ(dq->execute_ok("query-status").value("status", ""), "running");
    EXPECT_TRUE(pci_present(*dq, "standby0"));
    EXPECT_TRUE(pci_present(*dq, "primary0"));
    ASSERT_TRUE(lab.wait_guest_link("ens5", true)) << dest->log();
    EXPECT_FALSE(lab.in_host("vf-vm1bg"));
    EXPECT_TRUE(lab.wait_guest_link("ens4", false)) << "the source's VF stayed with a guest that left";
    EXPECT_TRUE(lab.in_host("vf-vm1g"));
    EXPECT_TRUE(lab.in_guest("eth0"));
    EXPECT_FALSE(lab.cgroup_frozen());
    EXPECT_EQ(source->terminate(), 0);
    EXPECT_TRUE(lab.in_guest("eth0")) << "the source's exit must not take the guest's standby with it";
    EXPECT_TRUE(lab.in_guest("ens5"));
    EXPECT_EQ(dest->terminate(), 0);
}

// Row 16, scenario 22: cancel while active (x-active-time holds it there): `cancelled`, never failed, both
// devices still present with the VF in the guest, the guest running; the destination never started it.
TEST_F(MigrationFailoverOff, Row16_CancelWhileActiveBothPresent) {
    start();
    sq->execute_ok("migrate-set-parameters", {{"x-active-time", 3000}});
    sq->execute_ok("migrate", {{"uri", "unix:" + mig_socket()}});
    ASSERT_TRUE(wait_status(*sq, "active")) << source->log();
    sq->execute_ok("migrate_cancel");
    const auto events = migration_events(events_until_final(*sq, sq->take_events()));
    EXPECT_EQ(events, json({"MIGRATION(setup)", "MIGRATION(active)", "MIGRATION(cancelling)", "MIGRATION(cancelled)"}))
        << source->log();
    EXPECT_EQ(status_of(*sq), "cancelled");
    EXPECT_TRUE(pci_present(*sq, "standby0"));
    EXPECT_TRUE(pci_present(*sq, "primary0"));
    EXPECT_TRUE(lab.in_guest("ens4"));
    EXPECT_TRUE(lab.in_guest("eth0"));
    EXPECT_EQ(sq->execute_ok("query-status").value("status", ""), "running");
    EXPECT_FALSE(lab.cgroup_frozen());
    EXPECT_NE(dq->execute_ok("query-status").value("status", ""), "running");
    EXPECT_TRUE(lab.in_host("vf-vm1bg"));
    EXPECT_FALSE(lab.in_guest("ens5"));
}

}  // namespace
}  // namespace nf::vmm::test
