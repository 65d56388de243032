// A VM that arrived by migration migrates on (back to its first host's VF): the destination of one
// migration is the source of the next, as QEMU allows and `failover-lab migrate` needs.
#include "migration_fixture.h"

namespace nf::vmm::test {
namespace {

TEST_F(Migration, ArrivedVmMigratesBack) {
    auto [source, dest, sq, dq] = hosts();
    {
        auto guest = TestGuest::connect(lab.channel_path());
        negotiate(guest, sq);
        set_caps(sq);
        set_caps(dq);
        sq.execute_ok("migrate", {{"uri", "unix:" + mig_socket()}});
        ASSERT_TRUE(guest.wait<channel::EjectRequest>(3s));
        guest.eject("primary0");
        ASSERT_TRUE(wait_status(sq, "completed")) << source.log();
        ASSERT_TRUE(wait_status(dq, "completed")) << dest.log();
    }
    ASSERT_TRUE(lab.wait_guest_link("ens4", true));
    EXPECT_EQ(source.terminate(), 0);

    // The first host again: a new VMM on vf-vm1g waits for the VM on a second socket.
    const std::string back = lab.dir() + "/vm1-back.mig";
    auto args = source_args();
    args.insert(args.end(), {"--incoming", "unix:" + back});
    VmmProcess home(lab, args, lab.qmp_path(), lab.dir() + "/vmm-home.log");
    auto hq = home.qmp();
    set_caps(hq);
    auto guest = TestGuest::connect(lab.channel_path());  // served by the destination now
    (void)dq.take_events();  // the incoming migration's, already checked above
    dq.execute_ok("migrate", {{"uri", "unix:" + back}});
    ASSERT_TRUE(guest.wait<channel::EjectRequest>(3s)) << dest.log();
    guest.eject("primary0");
    const auto events = events_until_final(dq, dq.take_events());
    EXPECT_EQ(migration_events(events),
              json({"MIGRATION(setup)", "UNPLUG_PRIMARY", "MIGRATION(wait-unplug)", "MIGRATION(active)", "STOP",
                    "MIGRATION(device)", "MIGRATION(completed)"}))
        << dest.log();
    const json info = dq.execute_ok("query-migrate");
    EXPECT_EQ(info["status"], "completed") << "a VMM that received the VM reports its outgoing migration";
    EXPECT_EQ(info["x-netfailover"]["source-guest"], "handed-to-destination");
    ASSERT_TRUE(wait_status(hq, "completed")) << home.log();
    EXPECT_EQ(hq.execute_ok("query-status").value("status", ""), "running");
    ASSERT_TRUE(lab.wait_guest_link("ens4", true));
    EXPECT_FALSE(lab.in_host("vf-vm1g")) << "the first host's VF is the guest's again";
    EXPECT_TRUE(lab.in_host("vf-vm1bg"));
    EXPECT_EQ(dest.terminate(), 0);
    EXPECT_TRUE(lab.in_guest("eth0"));
    EXPECT_EQ(home.terminate(), 0);
}

// A destination that has not received the VM yet still refuses to send it on (QEMU's text).
TEST_F(Migration, WaitingDestinationRefusesToMigrate) {
    VmmProcess dest(lab, dest_args("unix:" + mig_socket()), dest_qmp(), lab.dir() + "/vmm-d.log");
    auto dq = dest.qmp();
    EXPECT_EQ(error_of(dq, "migrate", {{"uri", "unix:" + lab.dir() + "/elsewhere.mig"}}),
              "Guest is waiting for an incoming migration");
}

}  // namespace
}  // namespace nf::vmm::test
