// What happens after the destination reported VM_STARTED, over QMP against real failover-vmm processes with a
// stream proxy between them (stream_proxy.h) that widens the few milliseconds between VM_STARTED and the end:
// a netpass section the destination cannot read (scenario 36) and a failure the source records after
// VM_STARTED (scenario 37). The fixture is migration_fixture.h.
#include "../../support/ping_stream.h"
#include "migration_fixture.h"
#include "stream_proxy.h"

namespace nf::vmm::test {
namespace {

class MigrationTail : public Migration {
protected:
    std::string proxy_socket() const { return lab.dir() + "/vm1-proxy.mig"; }
};

// Scenario 36: a netpass section that cannot be loaded costs that section only: the destination warns with
// QEMU's text, counts it, injects the frames of the good sections and completes; the source completes too.
TEST_F(MigrationTail, Scenario36_UnreadableNetpassSectionIsIgnoredAndTheMigrationCompletes) {
    auto [source, dest, sq, dq] = hosts();
    StreamProxy proxy(proxy_socket(), mig_socket(), StreamProxy::Fault::BadNetpassAfterVmStarted);
    auto guest = TestGuest::connect(lab.channel_path());
    guest.start_driver("standby0", false);
    set_caps(sq);
    set_caps(dq);
    // Traffic towards the guest across the switchover, so the tail has frames of its own besides the bad one.
    lab.guest("ip addr add " + std::string(kVmIp) + "/24 dev eth0");
    lab.guest("ip link set eth0 up");
    nf::test::PingStream stream(lab.host_ns(), kVmIp, 0.005);
    std::this_thread::sleep_for(300ms);
    sq.execute_ok("migrate", {{"uri", "unix:" + proxy_socket()}});
    ASSERT_TRUE(wait_status(sq, "completed")) << source.log() << proxy.error();
    ASSERT_TRUE(wait_status(dq, "completed")) << dest.log();
    EXPECT_TRUE(proxy.fault_done()) << "the proxy never saw the netpass tail";
    EXPECT_EQ(proxy.fds_forwarded(), 1) << "the guest's tap went through the proxy";
    const json sinfo = sq.execute_ok("query-migrate");
    const json dinfo = dq.execute_ok("query-migrate");
    EXPECT_EQ(dinfo["x-netfailover"]["netpass"]["bad-sections"], 1) << dinfo.dump();
    EXPECT_EQ(dinfo["x-netfailover"]["netpass"]["injected"], sinfo["x-netfailover"]["netpass"]["sent"])
        << sinfo.dump() << dinfo.dump();
    EXPECT_FALSE(dinfo.contains("error-desc")) << dinfo.dump();
    EXPECT_NE(dest.log().find("Error while loading netpass data, this error will be ignored"), std::string::npos)
        << dest.log();
    EXPECT_EQ(sinfo["x-netfailover"]["outcome"], "completed");
    EXPECT_EQ(sinfo["x-netfailover"]["downtime-end"], "vm-started");
    EXPECT_EQ(dq.execute_ok("query-status").value("status", ""), "running");
    // The guest is served through the destination: the stream goes on.
    const int at_completion = stream.replies();
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (stream.replies() < at_completion + 20 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(10ms);
    const auto r = stream.stop();
    EXPECT_GE(r.answered, at_completion + 20) << r.output << dest.log();
}

// Scenario 37: the destination reported VM_STARTED, then the stream and the return path break before its
// SHUT. The source fails, says the destination started the guest, and neither resumes its guest nor re-plugs
// its VF; the destination, whose guest runs, completes (the lost netpass tail is ignored, as in 36). The
// source's exit afterwards leaves the guest (standby, cgroup) to the destination.
TEST_F(MigrationTail, Scenario37_FailureAfterVmStartedNeitherResumesNorReplugs) {
    auto [source, dest, sq, dq] = hosts();
    StreamProxy proxy(proxy_socket(), mig_socket(), StreamProxy::Fault::CutAfterVmStarted);
    auto guest = TestGuest::connect(lab.channel_path());
    negotiate(guest, sq);
    set_caps(sq);
    set_caps(dq);
    sq.execute_ok("migrate", {{"uri", "unix:" + proxy_socket()}});
    ASSERT_TRUE(guest.wait<channel::EjectRequest>(3s));
    guest.eject("primary0");
    const auto events = migration_events(events_until_final(sq, sq.take_events()));
    EXPECT_TRUE(proxy.fault_done()) << proxy.error();
    EXPECT_EQ(events, json({"MIGRATION(setup)", "UNPLUG_PRIMARY", "MIGRATION(wait-unplug)", "MIGRATION(active)",
                            "STOP", "MIGRATION(device)", "MIGRATION(failed)"}))
        << "no RESUME, no re-plug after VM_STARTED\n" << source.log();
    const json sinfo = sq.execute_ok("query-migrate");
    EXPECT_EQ(sinfo["status"], "failed");
    EXPECT_FALSE(sinfo.value("error-desc", "").empty()) << sinfo.dump();
    EXPECT_EQ(sinfo["x-netfailover"]["dest-vm-started"], true) << sinfo.dump();
    EXPECT_EQ(sinfo["x-netfailover"]["source-guest"], "left-paused") << sinfo.dump();
    EXPECT_EQ(sinfo["x-netfailover"]["downtime-end"], "vm-started");
    EXPECT_NE(sq.execute_ok("query-status").value("status", ""), "running");
    EXPECT_NE(source.log().find("the destination started the guest"), std::string::npos) << source.log();
    // The guest is the destination's: the source keeps no copy of its taps (its forwarder would share them).
    EXPECT_TRUE(sq.execute_ok("x-query-vmm")["standbys"].empty()) << sq.execute_ok("x-query-vmm").dump();

    ASSERT_TRUE(wait_status(dq, "completed")) << dest.log();
    EXPECT_EQ(dq.execute_ok("query-status").value("status", ""), "running");
    ASSERT_TRUE(lab.wait_guest_link("ens4", true)) << dest.log();
    EXPECT_FALSE(lab.in_host("vf-vm1bg")) << "the guest's VF is the destination's";
    std::this_thread::sleep_for(300ms);
    EXPECT_TRUE(lab.in_host("vf-vm1g")) << "the source re-plugged its VF into a guest that runs elsewhere";
    EXPECT_FALSE(lab.cgroup_frozen()) << "the destination's guest runs";
    EXPECT_TRUE(no_event(sq, "RESUME"));

    EXPECT_EQ(source.terminate(), 0);
    EXPECT_TRUE(lab.in_guest("eth0")) << "the source's exit took the guest's standby from the destination";
    EXPECT_TRUE(lab.in_guest("ens4"));
    EXPECT_FALSE(lab.cgroup_frozen());
    const json vmm = dq.execute_ok("x-query-vmm");
    ASSERT_EQ(vmm["standbys"].size(), 1u) << vmm.dump();
    EXPECT_EQ(dest.terminate(), 0);
}

}  // namespace
}  // namespace nf::vmm::test
