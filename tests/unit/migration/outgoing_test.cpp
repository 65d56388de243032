// The source state machine: QEMU's qtest rows 12, 14, 16, 17, 19–23 and acceptance scenarios 15–23, 35, 37
// at the core level, plus every bound we add where QEMU waits forever.
#include "migration_fixture.h"

namespace nf::migration::test {
namespace {

using device::CancelEject;
using device::PauseGuest;
using device::PlugPrimary;
using device::RemovalMode;
using device::RequestEject;
using device::ResumeGuest;
using device::UnplugPrimary;
using device::test::card_absent;
using device::test::card_present;
using V = std::vector<std::string>;

class Outgoing : public ::testing::Test {
protected:
    Source src;
    void SetUp() override { src.capabilities(/*events=*/true, /*return_path=*/false, /*netpass=*/false); }
};

TEST_F(Outgoing, QtestRow12_Acceptance15_UnplugRequestThenWaitUnplug) {
    src.pairs(1);
    const Outcome out = src.start();
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(event_names(src.events),
              (V{"MIGRATION(setup)", "UNPLUG_PRIMARY(primary0)", "MIGRATION_PASS(1)", "MIGRATION(wait-unplug)"}));
    EXPECT_TRUE(src.has_device_action(RequestEject{"primary0"}));
    EXPECT_EQ(src.migration.status(), Status::WaitUnplug);
    EXPECT_TRUE(src.armed(Timer::WaitUnplug));
    // Stays in wait-unplug while the guest has not ejected (the qtest's slow mode watches 5 x 1 s).
    src.advance(Millis{4999});
    EXPECT_EQ(src.migration.status(), Status::WaitUnplug);
    EXPECT_EQ(src.query()["status"], "wait-unplug");
    EXPECT_FALSE(src.query().contains("total-time")) << "status only in wait-unplug, as QEMU";
}

TEST_F(Outgoing, QtestRow12_Acceptance16_EjectThenCompletedWithStopAndPartialUnplug) {
    src.pairs(1);
    src.start();
    src.now += Millis{12};
    src.eject("primary0");
    EXPECT_EQ(event_names(src.events),
              (V{"MIGRATION(setup)", "UNPLUG_PRIMARY(primary0)", "MIGRATION_PASS(1)", "MIGRATION(wait-unplug)",
                 "MIGRATION(active)", "STOP", "MIGRATION(device)", "MIGRATION_PASS(2)"}));
    EXPECT_FALSE(src.armed(Timer::WaitUnplug));
    EXPECT_TRUE(src.has_device_action(UnplugPrimary{"primary0", RemovalMode::Orderly}));
    EXPECT_TRUE(src.has_device_action(PauseGuest{}));
    src.now += Millis{3};
    src.sent();
    EXPECT_EQ(src.migration.status(), Status::Completed);
    EXPECT_EQ(statuses(src.events), (V{"setup", "wait-unplug", "active", "device", "completed"}));
    EXPECT_TRUE(card_present(src.machine, "primary0", kMacPrimary0)) << "partial unplug: still listed";
    // The primary's state is not in the stream: only standby0's record.
    StreamReader reader;
    std::vector<std::string> devices;
    ByteView rest = src.written;
    while (!rest.empty()) {
        auto step = reader.next(rest);
        rest = rest.subspan(step.consumed);
        ASSERT_NE(step.kind, StreamReader::Step::Kind::Error) << step.error;
        if (step.section && step.section->type == SectionType::Device)
            devices.push_back(std::get<device::DeviceRecord>(decode_device_section(step.section->payload)).id);
    }
    EXPECT_EQ(devices, V{"standby0"});
    const auto q = src.query();
    EXPECT_EQ(q["status"], "completed");
    EXPECT_EQ(q["total-time"], 15);
    EXPECT_EQ(q["setup-time"], 12) << "setup-time includes the wait for the unplug, as QEMU's";
    EXPECT_EQ(q["downtime"], 3) << "no return path: downtime ends at completion";
    EXPECT_EQ(q["x-netfailover"]["wait-unplug"]["result"], "ejected");
    EXPECT_EQ(q["x-netfailover"]["wait-unplug"]["time"], 12);
    EXPECT_EQ(q["x-netfailover"]["source-guest"], "handed-to-destination");
    EXPECT_TRUE(src.closed);
}

TEST_F(Outgoing, QtestRow14_Acceptance22_FailoverOffNoUnplugCompletes) {
    src.pairs(1, /*failover=*/false, /*ack=*/false);
    src.start();
    EXPECT_EQ(statuses(src.events), (V{"setup", "active", "device"}));
    EXPECT_EQ(src.count<DeviceAction>(), 1) << "only the pause";
    src.sent();
    EXPECT_EQ(src.migration.status(), Status::Completed);
    EXPECT_EQ(src.migration.unplug_result(), UnplugResult::NotNeeded);
    EXPECT_TRUE(card_present(src.machine, "primary0", kMacPrimary0));
}

TEST_F(Outgoing, QtestRow16_Acceptance22_FailoverOffCancelWhileActiveBothPresent) {
    src.settings.set_parameters({{"x-active-time", 100}}, false);
    src.pairs(1, false, false);
    src.start();
    EXPECT_EQ(src.migration.status(), Status::Active);
    src.now += Millis{20};
    src.cancel();
    EXPECT_EQ(statuses(src.events), (V{"setup", "active", "cancelling", "cancelled"}));
    EXPECT_FALSE(src.armed(Timer::ActiveTime));
    EXPECT_TRUE(card_present(src.machine, "primary0", kMacPrimary0));
    EXPECT_TRUE(card_present(src.machine, "standby0", kMacStandby0));
    EXPECT_EQ(src.migration.source_guest(), SourceGuest::Running);
    EXPECT_EQ(src.machine.run_state(), device::RunState::Running);
    src.advance(Millis{200});
    EXPECT_EQ(src.migration.status(), Status::Cancelled) << "a stale timer changes nothing";
}

TEST_F(Outgoing, ActiveTimeHoldsActiveThenSwitchesOver) {
    ASSERT_TRUE(src.settings.set_parameters({{"x-active-time", 250}}, false).ok());
    src.pairs(1, false, false);
    src.start();
    src.advance(Millis{249});
    EXPECT_EQ(src.migration.status(), Status::Active);
    EXPECT_TRUE(src.query().contains("total-time"));
    src.advance(Millis{1});
    EXPECT_EQ(src.migration.status(), Status::Device);
    src.sent();
    EXPECT_EQ(src.query()["setup-time"], 0);
    EXPECT_EQ(src.query()["total-time"], 250);
}

TEST_F(Outgoing, QtestRow17_Acceptance21_NotAckedNoWaitPrimaryStaysHidden) {
    src.pairs(1, true, /*ack=*/false);
    src.start();
    src.sent();
    EXPECT_EQ(statuses(src.events), (V{"setup", "active", "device", "completed"}));
    EXPECT_EQ(std::count(src.events.begin(), src.events.end(), device::Event{"STOP", nlohmann::json::object()}), 1);
    EXPECT_TRUE(card_absent(src.machine, "primary0"));
}

TEST_F(Outgoing, QtestRow19_Acceptance21_NotAckedCancelWhileActive) {
    src.settings.set_parameters({{"x-active-time", 100}}, false);
    src.pairs(1, true, false);
    src.start();
    src.cancel();
    EXPECT_EQ(src.migration.status(), Status::Cancelled);
    EXPECT_TRUE(card_absent(src.machine, "primary0"));
    EXPECT_TRUE(card_present(src.machine, "standby0", kMacStandby0));
}

TEST_F(Outgoing, QtestRow20_Acceptance18_CancelBeforeEjectStaysCancellingUntilEject) {
    src.pairs(1);
    src.start();
    src.cancel();
    EXPECT_EQ(src.migration.status(), Status::Cancelling);
    EXPECT_TRUE(src.armed(Timer::CancelUnplug));
    EXPECT_FALSE(src.armed(Timer::WaitUnplug));
    src.advance(Millis{10000});
    EXPECT_EQ(src.migration.status(), Status::Cancelling) << "still waiting for the eject in flight";
    EXPECT_TRUE(src.query().contains("total-time")) << "cancelling reports time, as QEMU";
    src.eject("primary0");
    EXPECT_EQ(statuses(src.events), (V{"setup", "wait-unplug", "cancelling", "cancelled"}));
    EXPECT_TRUE(src.has_device_action(PlugPrimary{"primary0", kMacPrimary0})) << "re-plugged (hot-add to the guest)";
    EXPECT_FALSE(src.armed(Timer::CancelUnplug));
    EXPECT_TRUE(card_present(src.machine, "primary0", kMacPrimary0));
    EXPECT_TRUE(card_present(src.machine, "standby0", kMacStandby0));
    EXPECT_EQ(src.migration.ending(), Ending::Cancelled);
}

TEST_F(Outgoing, QtestRow21_Acceptance20_CancelAfterEjectReplugs) {
    src.settings.set_parameters({{"x-active-time", 50}}, false);
    src.pairs(1);
    src.start();
    src.eject("primary0");
    EXPECT_EQ(src.migration.status(), Status::Active);
    src.cancel();
    EXPECT_EQ(statuses(src.events), (V{"setup", "wait-unplug", "active", "cancelling", "cancelled"}));
    EXPECT_TRUE(src.has_device_action(PlugPrimary{"primary0", kMacPrimary0}));
    EXPECT_TRUE(card_present(src.machine, "primary0", kMacPrimary0));
}

TEST_F(Outgoing, QtestRow22_Acceptance19_GuestNeverEjectsCancelledAfterBound) {
    src.pairs(1);
    src.start();
    src.cancel();
    src.advance(Millis{29999});
    EXPECT_EQ(src.migration.status(), Status::Cancelling);
    const auto last = src.query();
    src.advance(Millis{2});
    EXPECT_EQ(src.migration.status(), Status::Cancelled);
    EXPECT_GE(last["total-time"].get<long long>(), 29999);
    EXPECT_TRUE(src.warned("migration: partially unplugged device on failure"));
    EXPECT_TRUE(src.has_device_action(CancelEject{"primary0"})) << "the request is withdrawn";
    EXPECT_TRUE(card_present(src.machine, "primary0", kMacPrimary0));
    EXPECT_EQ(src.migration.ending(), Ending::CancelledUnplugTimeout);
    EXPECT_EQ(src.query()["x-netfailover"]["outcome"], "cancelled-unplug-timeout");
    EXPECT_EQ(src.query()["x-netfailover"]["wait-unplug"]["result"], "abandoned");
}

TEST_F(Outgoing, CancelUnplugBoundIsAParameter) {
    ASSERT_TRUE(src.settings.set_parameters({{"x-cancel-unplug-timeout", 300}}, false).ok());
    src.pairs(1);
    src.start();
    src.cancel();
    src.advance(Millis{299});
    EXPECT_EQ(src.migration.status(), Status::Cancelling);
    src.advance(Millis{1});
    EXPECT_EQ(src.migration.status(), Status::Cancelled);
}

TEST_F(Outgoing, QtestRow23_Acceptance17_TwoPairsWaitForBoth) {
    src.pairs(2);
    src.start();
    EXPECT_EQ(event_names(src.events),
              (V{"MIGRATION(setup)", "UNPLUG_PRIMARY(primary0)", "UNPLUG_PRIMARY(primary1)", "MIGRATION_PASS(1)",
                 "MIGRATION(wait-unplug)"}));
    src.eject("primary0");
    EXPECT_EQ(src.migration.status(), Status::WaitUnplug);
    src.eject("primary1");
    src.sent();
    EXPECT_EQ(statuses(src.events), (V{"setup", "wait-unplug", "active", "device", "completed"}));
}

TEST_F(Outgoing, Acceptance23_PausedGuestWaitUnplugBoundFailsVfStays) {
    src.pairs(1);
    src.machine.stop();  // a paused guest cannot eject
    src.start();
    src.advance(Millis{4999});
    EXPECT_EQ(src.migration.status(), Status::WaitUnplug);
    src.advance(Millis{1});
    EXPECT_EQ(src.migration.status(), Status::Failed);
    EXPECT_EQ(statuses(src.events), (V{"setup", "wait-unplug", "failed"}));
    EXPECT_EQ(src.migration.ending(), Ending::WaitUnplugTimeout);
    EXPECT_TRUE(src.has_device_action(CancelEject{"primary0"}));
    EXPECT_EQ(src.machine.primary_state("primary0"), device::PrimaryState::Plugged) << "the VF stays with the guest";
    const auto q = src.query();
    EXPECT_EQ(q["error-desc"],
              "guest did not eject primary 'primary0' within 5000 ms (x-wait-unplug-timeout); the primary stays with "
              "the guest");
    EXPECT_EQ(q["x-netfailover"]["outcome"], "wait-unplug-timeout");
    EXPECT_EQ(q["x-netfailover"]["wait-unplug"]["result"], "timed-out");
    EXPECT_EQ(src.machine.run_state(), device::RunState::Paused) << "a guest paused by the user stays paused";
}

TEST_F(Outgoing, WaitUnplugBoundWithSurpriseRemovalProceeds) {
    ASSERT_TRUE(src.settings.set_parameters({{"x-wait-unplug-timeout", 800}, {"x-wait-unplug-policy", "surprise-removal"}},
                                            false).ok());
    src.pairs(1);
    src.start();
    src.advance(Millis{800});
    EXPECT_TRUE(src.has_device_action(UnplugPrimary{"primary0", RemovalMode::Surprise}));
    EXPECT_TRUE(src.warned("removing it by surprise"));
    EXPECT_EQ(src.migration.status(), Status::Device);
    src.sent();
    EXPECT_EQ(src.migration.status(), Status::Completed);
    EXPECT_EQ(src.query()["x-netfailover"]["wait-unplug"]["result"], "surprise-removal");
    EXPECT_EQ(src.query()["x-netfailover"]["wait-unplug"]["time"], 800);
}

TEST_F(Outgoing, SurpriseRemovedPrimaryIsReplugggedWhenMigrationFailsLater) {
    src.settings.set_parameters({{"x-wait-unplug-timeout", 10}, {"x-wait-unplug-policy", "surprise-removal"}}, false);
    src.pairs(1);
    src.start();
    src.advance(Millis{10});
    src.apply(src.migration.stream_failed("connection reset", src.now));
    EXPECT_EQ(src.migration.status(), Status::Failed);
    EXPECT_TRUE(src.has_device_action(PlugPrimary{"primary0", kMacPrimary0}));
    EXPECT_TRUE(src.has_device_action(ResumeGuest{}));
    EXPECT_EQ(src.migration.source_guest(), SourceGuest::Resumed);
}

TEST_F(Outgoing, StreamFailureInWaitUnplugIsFailingUntilEjectThenReplugs) {
    src.pairs(1);
    src.start();
    src.apply(src.migration.stream_failed("connection refused", src.now));
    EXPECT_EQ(src.migration.status(), Status::Failing);
    EXPECT_TRUE(src.armed(Timer::CancelUnplug));
    src.eject("primary0");
    EXPECT_EQ(statuses(src.events), (V{"setup", "wait-unplug", "failing", "failed"}));
    EXPECT_TRUE(src.has_device_action(PlugPrimary{"primary0", kMacPrimary0}));
    EXPECT_EQ(src.query()["error-desc"], "migration stream: connection refused");
}

TEST_F(Outgoing, FailureBeforeEofLeftResumesGuestAndReplugs) {
    src.pairs(1);
    src.start();
    src.eject("primary0");
    ASSERT_EQ(src.migration.status(), Status::Device);
    src.apply(src.migration.stream_failed("broken pipe", src.now));
    EXPECT_EQ(statuses(src.events), (V{"setup", "wait-unplug", "active", "device", "failed"}));
    EXPECT_TRUE(src.has_device_action(ResumeGuest{}));
    EXPECT_TRUE(src.has_device_action(PlugPrimary{"primary0", kMacPrimary0}));
    // QEMU's order: the failure is announced, then the guest restarts.
    EXPECT_EQ(event_names(src.events).back(), "RESUME");
    EXPECT_EQ(event_names(src.events).at(src.events.size() - 2), "MIGRATION(failed)");
    EXPECT_EQ(src.machine.run_state(), device::RunState::Running);
    EXPECT_EQ(src.migration.source_guest(), SourceGuest::Resumed);
}

class OutgoingReturnPath : public ::testing::Test {
protected:
    Source src;
    void SetUp() override {
        src.capabilities(true, /*return_path=*/true, /*netpass=*/true);
        src.pairs(1);
        src.start();
        src.now += Millis{5};
        src.eject("primary0");
        src.now += Millis{2};
    }
};

TEST_F(OutgoingReturnPath, Acceptance35_DowntimeEndsAtVmStartedNotAtCompletion) {
    src.sent();
    EXPECT_TRUE(src.armed(Timer::VmStarted));
    src.now += Millis{40};
    src.return_path(encode_vm_started());
    EXPECT_EQ(src.count<NetpassSend>(), 1);
    EXPECT_TRUE(src.armed(Timer::VmStarted)) << "now bounded: the SHUT";
    src.now += Millis{500};
    src.return_path(encode_shut(0));
    EXPECT_EQ(src.migration.status(), Status::Completed);
    EXPECT_EQ(src.query()["downtime"], 42) << "stop → VM_STARTED (2 ms to send + 40), not stop → completion (542)";
    EXPECT_EQ(src.query()["x-netfailover"]["downtime-end"], "vm-started");
    EXPECT_TRUE(src.migration.dest_vm_started());
}

TEST_F(OutgoingReturnPath, Acceptance35_ReturnPathInArbitraryChunks) {
    src.sent();
    Bytes both = encode_vm_started();
    put_bytes(both, encode_shut(0));
    for (std::byte b : both) src.return_path(ByteView(&b, 1));
    EXPECT_EQ(src.migration.status(), Status::Completed);
}

TEST_F(OutgoingReturnPath, Acceptance37_FailureAfterVmStartedNeitherResumesNorReplugs) {
    src.sent();
    src.return_path(encode_vm_started());
    src.return_path(encode_shut(1));
    EXPECT_EQ(src.migration.status(), Status::Failed);
    EXPECT_FALSE(src.has_device_action(ResumeGuest{}));
    EXPECT_FALSE(src.has_device_action(PlugPrimary{"primary0", kMacPrimary0}));
    EXPECT_EQ(src.machine.run_state(), device::RunState::PostMigrate);
    EXPECT_EQ(src.migration.source_guest(), SourceGuest::LeftPaused);
    EXPECT_TRUE(src.warned("the destination started the guest"));
    EXPECT_EQ(src.query()["x-netfailover"]["outcome"], "destination-error");
}

TEST_F(OutgoingReturnPath, VmStartedBoundAfterEofLeavesGuestPausedAndSaysSo) {
    src.sent();
    src.advance(Millis{5000});
    EXPECT_EQ(src.migration.status(), Status::Failed);
    EXPECT_EQ(src.migration.ending(), Ending::VmStartedTimeout);
    EXPECT_EQ(src.query()["error-desc"], "destination did not report VM_STARTED within 5000 ms (x-vm-started-timeout)");
    EXPECT_FALSE(src.has_device_action(ResumeGuest{})) << "the destination may have started the guest";
    EXPECT_TRUE(src.warned("may have started"));
    EXPECT_EQ(src.migration.source_guest(), SourceGuest::LeftPaused);
}

TEST_F(OutgoingReturnPath, DestinationFailsLoadBeforeVmStartedSourceResumesAndReturnsFrames) {
    src.cache.keep(frame(1).bytes, 12);
    src.cache.keep(frame(2).bytes, 12);
    // The destination refused the stream before our EOF left (SHUT 1 arrives while still sending).
    src.return_path(encode_shut(1));
    EXPECT_EQ(src.migration.status(), Status::Failed);
    EXPECT_TRUE(src.has_device_action(ResumeGuest{}));
    EXPECT_TRUE(src.has_device_action(PlugPrimary{"primary0", kMacPrimary0}));
    ASSERT_EQ(src.returned_to_guest.size(), 2u) << "scenario 34: the source keeps the frames for a failure";
    EXPECT_EQ(src.returned_to_guest[0], frame(1));
    EXPECT_EQ(src.cache.counters().returned, 2u);
    EXPECT_FALSE(src.cache.capturing()) << "scenario 39: capture ends with the migration";
}

TEST_F(OutgoingReturnPath, ErrorShutAfterEofWithoutVmStartedResumes) {
    src.sent();
    src.return_path(encode_shut(1));
    EXPECT_EQ(src.migration.status(), Status::Failed);
    EXPECT_TRUE(src.has_device_action(ResumeGuest{})) << "the destination's load failed; its guest never ran";
    EXPECT_EQ(src.migration.source_guest(), SourceGuest::Resumed);
}

TEST_F(OutgoingReturnPath, CancelAfterEofSentDoesNotResume) {
    src.sent();
    src.cancel();
    EXPECT_EQ(src.migration.status(), Status::Cancelled);
    EXPECT_FALSE(src.has_device_action(ResumeGuest{}));
    EXPECT_EQ(src.migration.source_guest(), SourceGuest::LeftPaused);
}

TEST_F(OutgoingReturnPath, GarbageOnReturnPathFailsWithQemuText) {
    src.sent();
    const Bytes bad{std::byte{0}, std::byte{1}, std::byte{0}, std::byte{2}, std::byte{0}, std::byte{0}};
    src.return_path(bad);
    EXPECT_EQ(src.migration.status(), Status::Failed);
    EXPECT_EQ(src.query()["error-desc"],
              "return path: Received 'SHUT' message (0x0001) with incorrect length 2 expecting 4");
}

TEST_F(OutgoingReturnPath, ReturnPathClosedBeforeShutFails) {
    src.sent();
    src.apply(src.migration.return_path_closed(src.now));
    EXPECT_EQ(src.migration.status(), Status::Failed);
    EXPECT_EQ(src.migration.ending(), Ending::DestinationError);
}

TEST(OutgoingCommands, SecondMigrateRefusedWhileRunning) {
    Source src;
    src.pairs(1);
    src.start();
    const Outcome again = src.apply(src.migration.start(src.settings, src.now));
    ASSERT_NE(again.error(), nullptr);
    EXPECT_EQ(again.error()->desc, "There's a migration process in progress");
    EXPECT_EQ(src.migration.status(), Status::WaitUnplug);
}

TEST(OutgoingCommands, CancelWithNothingRunningIsANoOp) {
    Source src;
    const Outcome out = src.cancel();
    EXPECT_TRUE(out.ok());
    EXPECT_TRUE(out.actions.empty());
    EXPECT_EQ(src.query(), nlohmann::json::object()) << "query-migrate before any migration is {}";
}

TEST(OutgoingCommands, NoMigrationEventsWithoutEventsCapability) {
    Source src;
    src.pairs(1);
    src.start();
    EXPECT_EQ(event_names(src.events), (V{"UNPLUG_PRIMARY(primary0)"}));
}

TEST(OutgoingCommands, MigrateAgainAfterCompletion) {
    Source src;
    src.pairs(1, false, false);
    src.start();
    src.sent();
    ASSERT_EQ(src.migration.status(), Status::Completed);
    src.machine.cont();
    EXPECT_TRUE(src.start().ok());
    EXPECT_EQ(src.migration.status(), Status::Device);
    EXPECT_EQ(src.migration.downtime().downtime(), std::nullopt) << "a fresh clock per migration";
}

}  // namespace
}  // namespace nf::migration::test
