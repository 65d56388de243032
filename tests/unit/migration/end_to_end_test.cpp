// Source and destination cores wired together through their byte streams, as two VMMs would be: the event
// order on both sides (reference-figures.md), netpass end to end (scenarios 34, 35, 38, 39) and a hostile
// stream that fails the destination and changes nothing on the source.
#include "migration_fixture.h"

namespace nf::migration::test {
namespace {

using device::test::card_present;
using V = std::vector<std::string>;

struct Pair {
    Source src;
    Destination dst;
    std::size_t stream_read = 0;
    std::size_t rp_read = 0;

    Pair(bool return_path, bool netpass) {
        src.capabilities(true, return_path, netpass);
        dst.capabilities(true, return_path, netpass);
        src.pairs(1);
        dst.pairs(1);
        dst.start();
    }
    // Moves what each side wrote to the other, like the sockets between two VMMs, until nothing moves.
    void pump() {
        bool moved = true;
        while (moved) {
            moved = false;
            if (src.written.size() > stream_read) {
                const Bytes chunk(src.written.begin() + static_cast<std::ptrdiff_t>(stream_read), src.written.end());
                stream_read = src.written.size();
                src.sent();  // the VMM's write queue drained
                dst.feed(chunk);
                moved = true;
            }
            if (dst.written.size() > rp_read) {
                const Bytes chunk(dst.written.begin() + static_cast<std::ptrdiff_t>(rp_read), dst.written.end());
                rp_read = dst.written.size();
                src.return_path(chunk);
                moved = true;
            }
        }
    }
    void tick(Millis d) {
        src.advance(d);
        dst.advance(d);
    }
};

TEST(EndToEnd, EventOrderOnBothSidesMatchesQemu) {
    Pair p(/*return_path=*/true, /*netpass=*/false);
    p.src.start();
    p.pump();
    p.tick(Millis{10});
    p.src.eject("primary0");
    p.pump();
    EXPECT_EQ(event_names(p.src.events),
              (V{"MIGRATION(setup)", "UNPLUG_PRIMARY(primary0)", "MIGRATION_PASS(1)", "MIGRATION(wait-unplug)",
                 "MIGRATION(active)", "STOP", "MIGRATION(device)", "MIGRATION_PASS(2)", "MIGRATION(completed)"}));
    EXPECT_EQ(event_names(p.dst.events), (V{"MIGRATION(setup)", "MIGRATION(active)", "FAILOVER_NEGOTIATED(standby0)",
                                            "RESUME", "MIGRATION(completed)"}));
    EXPECT_TRUE(card_present(p.dst.machine, "primary0", kMacPrimary0));
    EXPECT_EQ(p.src.migration.downtime().ended_by(), DowntimeEnd::VmStarted);
}

TEST(EndToEnd, Acceptance34_35_39_NetpassDeliversSwitchoverFramesFirstOnce) {
    Pair p(true, true);
    p.src.start();
    p.src.eject("primary0");
    // The source is paused; frames from the bridge reach its PV backend and are kept.
    for (int i = 1; i <= 5; ++i) EXPECT_TRUE(p.src.cache.keep(frame(i).bytes, 12));
    p.pump();  // stream → destination loads, resumes, sends VM_STARTED → source sends the cache
    EXPECT_EQ(p.src.migration.status(), Status::Completed);
    EXPECT_EQ(p.dst.migration.status(), Status::Completed);
    EXPECT_EQ(p.dst.delivered,
              (std::vector<NetpassFrame>{frame(1), frame(2), frame(3), frame(4), frame(5)})) << "each frame once, in order";
    EXPECT_EQ(p.src.cache.counters().kept, 5u);
    EXPECT_EQ(p.src.cache.counters().sent, 5u);
    EXPECT_EQ(p.dst.ordering.counters().injected, 5u);
    EXPECT_FALSE(p.src.cache.capturing());
    EXPECT_EQ(p.src.cache.frames(), 0u);
    EXPECT_FALSE(p.dst.ordering.holding());
    EXPECT_EQ(p.src.count<NetpassEnd>(), 1);
    EXPECT_EQ(p.dst.count<NetpassEnd>(), 1);
    const auto q = p.src.query();
    EXPECT_EQ(q["x-netfailover"]["netpass"]["kept"], 5);
    EXPECT_EQ(q["x-netfailover"]["netpass"]["sent"], 5);
    EXPECT_EQ(q["x-netfailover"]["downtime-end"], "vm-started");
}

TEST(EndToEnd, NetpassCacheOverflowIsCountedNotFatal) {
    Pair p(true, true);
    p.src.start();
    p.src.eject("primary0");
    for (int i = 0; i < 70; ++i) p.src.cache.keep(frame(i).bytes, 12);
    p.pump();
    EXPECT_EQ(p.src.cache.counters().kept, 64u);
    EXPECT_EQ(p.src.cache.counters().dropped, 6u);
    EXPECT_EQ(p.dst.delivered.size(), 64u);
    EXPECT_EQ(p.src.query()["x-netfailover"]["netpass"]["dropped"], 6);
}

TEST(EndToEnd, HostileStreamFailsDestinationAndSourceResumes) {
    Pair p(true, false);
    p.src.start();
    p.src.eject("primary0");
    // A corrupted byte in flight: inside the device section's id.
    ASSERT_GT(p.src.written.size(), 30u);
    p.src.written[30] = std::byte{0xff};
    p.pump();
    EXPECT_EQ(p.dst.migration.status(), Status::Failed);
    EXPECT_EQ(p.src.migration.status(), Status::Failed);
    EXPECT_EQ(p.src.migration.ending(), Ending::DestinationError);
    EXPECT_TRUE(p.src.has_device_action(device::ResumeGuest{}));
    EXPECT_TRUE(card_present(p.src.machine, "primary0", kMacPrimary0)) << "re-plugged on the source";
    EXPECT_EQ(p.src.machine.run_state(), device::RunState::Running);
    EXPECT_EQ(p.dst.machine.run_state(), device::RunState::InMigrate);
}

TEST(EndToEnd, CapabilityMismatchAcrossSidesFailsLoad) {
    Source src;
    Destination dst;
    src.capabilities(true, true, true);
    dst.capabilities(true, true, false);
    src.pairs(1);
    dst.pairs(1);
    dst.start();
    src.start();
    dst.feed(src.written);
    EXPECT_EQ(dst.migration.status(), Status::Failed);
    src.return_path(dst.written);
    EXPECT_EQ(src.migration.status(), Status::Failing) << "still waiting for the eject in flight";
    src.eject("primary0");
    EXPECT_EQ(src.migration.status(), Status::Failed);
    EXPECT_TRUE(card_present(src.machine, "primary0", kMacPrimary0));
}

TEST(EndToEnd, MigrateBackAndForth) {
    Pair p(true, true);
    p.src.start();
    p.src.eject("primary0");
    p.pump();
    ASSERT_EQ(p.dst.migration.status(), Status::Completed);
    // Back: the destination's machine becomes a source; a fresh destination machine like the first source's.
    OutgoingMigration back(p.dst.machine);
    Outcome out = back.start(p.dst.settings, p.dst.now);
    ASSERT_TRUE(out.ok());
    EXPECT_EQ(back.status(), Status::WaitUnplug) << "the re-plugged primary is unplugged again";
    p.dst.machine.guest_eject("primary0");
    back.device_changed(p.dst.now);
    EXPECT_EQ(back.status(), Status::Device);
}

}  // namespace
}  // namespace nf::migration::test
