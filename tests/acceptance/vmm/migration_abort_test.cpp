// migrate_cancel where QEMU's qtests cancel, over QMP against real failover-vmm processes: while `active`
// with a guest that never acked STANDBY (qtest row 19; acceptance 21), and in wait-unplug with a guest
// that never ejects (row 22; acceptance 19). The fixture is migration_fixture.h.
#include "migration_fixture.h"

namespace nf::vmm::test {
namespace {

// Row 19, scenario 21: STANDBY not acked, so the primary stays hidden; cancel while the stream is active
// (x-active-time holds it there): cancelled, never failed, the standby present and the primary absent on
// the source, the guest running; the destination never started it.
TEST_F(Migration, Row19_GuestOffCancelWhileActiveKeepsThePrimaryHidden) {
    auto [source, dest, sq, dq] = hosts();
    auto guest = TestGuest::connect(lab.channel_path());
    guest.start_driver("standby0", false);
    set_caps(sq);
    set_caps(dq);
    sq.execute_ok("migrate-set-parameters", {{"x-active-time", 3000}});
    sq.execute_ok("migrate", {{"uri", "unix:" + mig_socket()}});
    ASSERT_TRUE(wait_status(sq, "active")) << source.log();
    sq.execute_ok("migrate_cancel");
    const auto events = migration_events(events_until_final(sq, sq.take_events()));
    EXPECT_EQ(events, json({"MIGRATION(setup)", "MIGRATION(active)", "MIGRATION(cancelling)", "MIGRATION(cancelled)"}))
        << source.log();
    EXPECT_EQ(status_of(sq), "cancelled");
    EXPECT_TRUE(pci_present(sq, "standby0"));
    EXPECT_FALSE(pci_present(sq, "primary0")) << "the cancel plugged a primary the guest never asked for";
    EXPECT_EQ(sq.execute_ok("query-status").value("status", ""), "running");
    EXPECT_FALSE(lab.cgroup_frozen());
    EXPECT_TRUE(lab.in_host("vf-vm1g"));
    EXPECT_FALSE(lab.in_guest("ens4"));
    EXPECT_TRUE(lab.in_guest("eth0"));
    EXPECT_NE(dq.execute_ok("query-status").value("status", ""), "running");
    EXPECT_TRUE(lab.in_host("vf-vm1bg"));
}

// Row 22, scenario 19: cancel in wait-unplug and the guest never ejects. `cancelling` (and nothing else)
// until the bound, then `cancelled` with the VF still with the guest and the primary listed. QEMU's bound is
// 30 s (our default x-cancel-unplug-timeout); the test shortens it to 1.5 s, the behaviour is the same.
TEST_F(Migration, Row22_GuestNeverEjectsCancelledAtTheBound) {
    constexpr int kBoundMs = 1500;
    auto [source, dest, sq, dq] = hosts();
    auto guest = TestGuest::connect(lab.channel_path());
    negotiate(guest, sq);
    set_caps(sq);
    set_caps(dq);
    EXPECT_EQ(sq.execute_ok("query-migrate-parameters")["x-cancel-unplug-timeout"], 30000) << "QEMU's 30 s by default";
    sq.execute_ok("migrate-set-parameters", {{"x-cancel-unplug-timeout", kBoundMs}});
    sq.execute_ok("migrate", {{"uri", "unix:" + mig_socket()}});
    ASSERT_TRUE(sq.wait_event("UNPLUG_PRIMARY", 3s));
    ASSERT_TRUE(guest.wait<channel::EjectRequest>(3s));  // ... and the guest ignores it
    sq.execute_ok("migrate_cancel");
    const auto cancelled_at = std::chrono::steady_clock::now();
    // QEMU's loop: every status seen is `cancelling` until `cancelled`; the last total-time passes the bound.
    long long last_total = -1;
    std::string status;
    const auto deadline = std::chrono::steady_clock::now() + 3 * std::chrono::milliseconds(kBoundMs);
    for (;;) {
        const json info = sq.execute_ok("query-migrate");
        status = info.value("status", "");
        if (status != "cancelling") break;
        last_total = info.value("total-time", -1LL);
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "still cancelling well after the bound";
        std::this_thread::sleep_for(50ms);
    }
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - cancelled_at);
    EXPECT_EQ(status, "cancelled") << source.log();
    EXPECT_GT(last_total, 0) << "never seen cancelling with a total-time";
    EXPECT_GE(waited.count(), kBoundMs - 200) << "cancelled before the bound";
    const json info = sq.execute_ok("query-migrate");
    EXPECT_EQ(info["x-netfailover"]["outcome"], "cancelled-unplug-timeout") << info.dump();
    EXPECT_EQ(info["x-netfailover"]["wait-unplug"]["result"], "abandoned") << info.dump();
    EXPECT_GE(info["x-netfailover"]["total-time"].get<long long>(), kBoundMs);
    EXPECT_NE(source.log().find("partially unplugged device on failure"), std::string::npos) << source.log();
    // Both present: the primary listed and its VF still in the guest; the guest runs, unfrozen.
    EXPECT_TRUE(pci_present(sq, "standby0"));
    EXPECT_TRUE(pci_present(sq, "primary0"));
    EXPECT_TRUE(lab.in_guest("ens4"));
    EXPECT_FALSE(lab.in_host("vf-vm1g"));
    EXPECT_EQ(sq.execute_ok("query-status").value("status", ""), "running");
    EXPECT_FALSE(lab.cgroup_frozen());
    EXPECT_NE(dq.execute_ok("query-status").value("status", ""), "running");
    EXPECT_TRUE(lab.in_host("vf-vm1bg"));
}

}  // namespace
}  // namespace nf::vmm::test
