// The guest's part in a migration over QMP against real failover-vmm processes: a guest that never acks
// STANDBY (qtest rows 17, 18; acceptance 21, 26), and a cancel once the guest has ejected its VF (row 21;
// acceptance 20). The fixture is migration_fixture.h.
#include "migration_fixture.h"

namespace nf::vmm::test {
namespace {

// Rows 17 + 18, scenarios 21 and 26: STANDBY never acked, so the primary stays hidden on both sides; the
// source does not wait for an unplug (no UNPLUG_PRIMARY, no wait-unplug) and the migration completes; the
// destination keeps its VF hidden and in the host.
TEST_F(Migration, Row17_18_GuestNeverAcksThePrimaryStaysHiddenOnBothSides) {
    auto [source, dest, sq, dq] = hosts();
    auto guest = TestGuest::connect(lab.channel_path());
    guest.start_driver("standby0", false);  // the driver runs, but does not ack STANDBY
    set_caps(sq);
    set_caps(dq);
    EXPECT_FALSE(pci_present(sq, "primary0"));
    EXPECT_TRUE(lab.in_host("vf-vm1g"));

    sq.execute_ok("migrate", {{"uri", "unix:" + mig_socket()}});
    const auto source_events = events_until_final(sq, sq.take_events());
    EXPECT_EQ(migration_events(source_events),
              json({"MIGRATION(setup)", "MIGRATION(active)", "STOP", "MIGRATION(device)", "MIGRATION(completed)"}))
        << source.log();
    const json sinfo = sq.execute_ok("query-migrate");
    EXPECT_EQ(sinfo["status"], "completed");
    EXPECT_NE(sinfo["x-netfailover"]["wait-unplug"]["result"], "ejected") << sinfo.dump();
    ASSERT_TRUE(wait_status(dq, "completed")) << dest.log();
    const auto dest_events = migration_events(events_until_final(dq, dq.take_events()));
    for (const auto& e : dest_events) EXPECT_NE(e, "FAILOVER_NEGOTIATED") << dest_events.dump();
    EXPECT_EQ(dq.execute_ok("query-status").value("status", ""), "running");
    EXPECT_FALSE(pci_present(dq, "primary0")) << "the destination plugged a VF the guest never asked for";
    EXPECT_TRUE(lab.in_host("vf-vm1bg"));
    EXPECT_TRUE(lab.in_host("vf-vm1g"));
    EXPECT_FALSE(lab.in_guest("ens4"));
    EXPECT_TRUE(lab.in_guest("eth0"));
}

// Row 21, scenario 20: cancel after the guest ejected its VF, while the stream is active (x-active-time
// holds it there): cancelled, the VF plugged back on the source, the guest running; the destination never
// started it and its VF stayed in the host.
TEST_F(Migration, Row21_CancelAfterTheEjectReplugsTheVf) {
    auto [source, dest, sq, dq] = hosts();
    auto guest = TestGuest::connect(lab.channel_path());
    negotiate(guest, sq);
    set_caps(sq);
    set_caps(dq);
    sq.execute_ok("migrate-set-parameters", {{"x-active-time", 3000}});
    sq.execute_ok("migrate", {{"uri", "unix:" + mig_socket()}});
    ASSERT_TRUE(guest.wait<channel::EjectRequest>(3s));
    guest.eject("primary0");
    ASSERT_TRUE(wait_status(sq, "active")) << source.log();
    ASSERT_TRUE(lab.wait_guest_link("ens4", false));
    sq.execute_ok("migrate_cancel");
    ASSERT_TRUE(wait_status(sq, "cancelled")) << source.log();
    EXPECT_TRUE(pci_present(sq, "primary0"));
    EXPECT_EQ(sq.execute_ok("query-status").value("status", ""), "running");
    EXPECT_FALSE(lab.cgroup_frozen());
    // The VF comes back once the guest (still negotiated) sees it again.
    ASSERT_TRUE(lab.wait_guest_link("ens4", true)) << source.log();
    EXPECT_FALSE(lab.in_host("vf-vm1g"));
    EXPECT_NE(dq.execute_ok("query-status").value("status", ""), "running");
    EXPECT_TRUE(lab.in_host("vf-vm1bg"));
}

}  // namespace
}  // namespace nf::vmm::test
