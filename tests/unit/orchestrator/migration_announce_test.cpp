// QEMU's own announcement after an incoming migration includes every NIC it emulates, so an emulated primary
// (an e1000e standing in for a VF) is plugged on the destination only once it is over; a passthrough VF is no
// NIC of QEMU's and is plugged at once.
#include <gtest/gtest.h>

#include "fake_world.h"
#include "orchestrator/qmp_facts.h"

namespace nf::orchestrator::test {
namespace {

using nlohmann::json;

// QEMU 7.2's defaults, as query-migrate-parameters reports them.
const json kQemuAnnounce = {{"announce-initial", 50}, {"announce-max", 550}, {"announce-rounds", 5}, {"announce-step", 100}};

json emulated_primary() {
    return {{"driver", "e1000e"}, {"id", "primary0"}, {"netdev", "hostvf"}, {"mac", "52:54:00:00:00:01"},
            {"bus", "root1"}, {"romfile", ""}};
}

// ms from the destination's RESUME (its load completed) to the destination's device_add, on the timeline.
double resume_to_device_add(const json& timeline) {
    double resume = -1, add = -1;
    for (const auto& e : timeline) {
        if (e["side"] != "destination") continue;
        if (e["kind"] == "event" && e["name"] == "RESUME" && resume < 0) resume = e["t_ms"];
        if (e["kind"] == "command" && e["name"] == "device_add") add = e["t_ms"];
    }
    EXPECT_GE(resume, 0) << timeline.dump();
    EXPECT_GE(add, 0) << timeline.dump();
    return add - resume;
}

const json* note(const json& timeline, const std::string& name) {
    for (const auto& e : timeline)
        if (e["kind"] == "note" && e["name"] == name) return &e;
    return nullptr;
}

TEST(MigrationAnnounceSpan, QemusScheduleFromTheParameters) {
    EXPECT_EQ(migration_announce_span(kQemuAnnounce), std::chrono::milliseconds(800));  // 50+150+250+350
    // Each gap at most `max`.
    EXPECT_EQ(migration_announce_span({{"announce-initial", 50}, {"announce-max", 100}, {"announce-rounds", 5},
                                       {"announce-step", 100}}),
              std::chrono::milliseconds(350));
    // One round is sent at once: nothing to wait for.
    EXPECT_EQ(migration_announce_span({{"announce-rounds", 1}}), std::chrono::milliseconds(0));
    EXPECT_EQ(migration_announce_span({{"announce-rounds", 0}}), std::chrono::milliseconds(0));
    // A VMM without QEMU's parameters, or an odd reply.
    EXPECT_EQ(migration_announce_span(json::object()), std::nullopt);
    EXPECT_EQ(migration_announce_span(json::array()), std::nullopt);
    EXPECT_EQ(migration_announce_span({{"x-wait-unplug-timeout", 30000}}), std::nullopt);
    // Huge values are cut to QEMU's own limits (100000 each), so the sum stays finite.
    const auto huge = migration_announce_span({{"announce-initial", 1ull << 62}, {"announce-max", 1ull << 62},
                                               {"announce-rounds", 1ull << 62}, {"announce-step", 1ull << 62}});
    ASSERT_TRUE(huge);
    EXPECT_EQ(huge->count(), 99999LL * 100000);
}

TEST(MigrationAnnounceSpan, OnlyNicsQemuEmulatesAreAnnounced) {
    EXPECT_TRUE(qemu_announces(emulated_primary()));
    EXPECT_TRUE(qemu_announces({{"driver", "virtio-net-pci"}, {"id", "p"}}));
    EXPECT_FALSE(qemu_announces({{"driver", "vfio-pci"}, {"id", "p"}, {"host", "0000:03:00.1"}}));
    EXPECT_FALSE(qemu_announces({{"driver", "vfio-pci-nohotplug"}, {"id", "p"}}));
    EXPECT_FALSE(qemu_announces({{"id", "p"}}));
}

TEST(MigrationRun, AnEmulatedPrimaryIsPluggedAfterQemusMigrationAnnouncement) {
    World w;
    w.setup(false);
    w.destination.migrate_parameters = kQemuAnnounce;
    MigrationRun run(w.ports(), request(emulated_primary()));
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::Migrated) << result.failed_step << ": " << result.error;
    const json timeline = run.timeline().to_json();
    // 800 ms of rounds from the load, and 200 ms for rounds QEMU's main loop fires late.
    EXPECT_GE(resume_to_device_add(timeline), 1000.0) << timeline.dump(1);
    const json* over = note(timeline, "migration-announce-over");
    ASSERT_NE(over, nullptr) << timeline.dump(1);
    EXPECT_EQ((*over)["detail"]["announce_ms"], 800);
    EXPECT_FALSE((*over)["detail"].contains("detail"));
    EXPECT_TRUE(w.destination.devices.contains("primary0"));
    EXPECT_NE(run.plan_text().find("device_add primary0 (an emulated NIC: after QEMU's post-migration announcement)"),
              std::string::npos)
        << run.plan_text();
}

TEST(MigrationRun, APassthroughPrimaryIsPluggedAtOnce) {
    World w;
    w.setup(false);
    w.destination.migrate_parameters = kQemuAnnounce;
    MigrationRun run(w.ports(), request(w.primary_device()));  // vfio-pci
    ASSERT_EQ(run.run().status, RunStatus::Migrated);
    const json timeline = run.timeline().to_json();
    EXPECT_LT(resume_to_device_add(timeline), 800.0) << timeline.dump(1);
    EXPECT_EQ(note(timeline, "migration-announce-over"), nullptr);
    EXPECT_EQ(std::count(w.destination.log.begin(), w.destination.log.end(), "query-migrate-parameters"), 0);
}

TEST(MigrationRun, AVmmWithoutAnnounceParametersGetsTheEmulatedPrimaryAtOnce) {
    World w;
    w.setup(false);  // the fake answers CommandNotFound to query-migrate-parameters
    MigrationRun run(w.ports(), request(emulated_primary()));
    ASSERT_EQ(run.run().status, RunStatus::Migrated);
    const json timeline = run.timeline().to_json();
    EXPECT_LT(resume_to_device_add(timeline), 800.0) << timeline.dump(1);
    EXPECT_EQ(note(timeline, "migration-announce-over"), nullptr);
}

TEST(MigrationRun, TheAnnouncementWaitIsBoundedByThePlugBound) {
    World w;
    w.setup(false);
    w.destination.migrate_parameters = {{"announce-initial", 1000}, {"announce-max", 1000}, {"announce-rounds", 10},
                                        {"announce-step", 0}};  // 9 s of rounds
    MigrateRequest r = request(emulated_primary());             // plug bound 2 s
    MigrationRun run(w.ports(), r);
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::Migrated) << result.error;
    const json timeline = run.timeline().to_json();
    const double gap = resume_to_device_add(timeline);
    EXPECT_GE(gap, 2000.0);
    EXPECT_LT(gap, 2500.0);
    const json* over = note(timeline, "migration-announce-over");
    ASSERT_NE(over, nullptr);
    EXPECT_EQ((*over)["detail"]["announce_ms"], 9000);
    EXPECT_EQ((*over)["detail"]["waited_ms"], 2000);
    EXPECT_TRUE((*over)["detail"].contains("detail"));
}

TEST(MigrationRun, CancelDuringTheAnnouncementWaitStopsTheRunAfterTheSwitch) {
    World w;
    w.setup(false);
    w.destination.migrate_parameters = kQemuAnnounce;
    MigrationRun run(w.ports(), request(emulated_primary()));
    bool cancel = false;
    run.cancel_requested = [&] { return cancel; };
    w.destination.override["query-migrate-parameters"] = [&](const json&) -> std::optional<QmpReply> {
        cancel = true;  // the user's Ctrl-C while the run waits
        return std::nullopt;
    };
    const auto result = run.run();
    // The VM already runs on the destination: no way back, reported as such.
    EXPECT_EQ(result.status, RunStatus::FailedAfterSwitch);
    EXPECT_EQ(result.failed_step, "plug-primary");
    EXPECT_FALSE(w.destination.devices.contains("primary0"));
}

}  // namespace
}  // namespace nf::orchestrator::test
