// The whole run against two scripted QEMUs: the order of steps, what each VMM was told, the timeline.
#include <gtest/gtest.h>

#include "fake_world.h"

namespace nf::orchestrator::test {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

// A destination that runs the guest itself once migrated: the source's filter is released at once (the VM left).
const Strings kAllSteps = {"preflight", "capabilities", "standby-link-up", "filter-to-standby",
                           "primary-link-down", "unplug-primary", "migrate", "release-source-filter", "plug-primary", "filter-to-primary",
                           "resume-destination", "announce-self"};

TEST(MigrationRun, FailoverOffUnplugsMigratesAndPlugsOnTheDestination) {
    World w;
    w.setup(false);
    MigrationRun run(w.ports(), request(w.primary_device()));
    Strings progress;
    run.progress = [&](const std::string& line) { progress.push_back(line); };
    json announced;
    w.destination.override["announce-self"] = [&](const json& a) -> std::optional<QmpReply> {
        announced = a;
        return std::nullopt;
    };
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::Migrated) << result.failed_step << ": " << result.error;
    EXPECT_EQ(exit_code(result.status), 0);
    // From the standby only: the re-plugged primary has the same MAC and the guest does not use it yet.
    EXPECT_EQ(announced.value("interfaces", json()), json::array({"standby0"})) << announced.dump();
    EXPECT_EQ(run.timeline().names("step", "begin"), kAllSteps);
    EXPECT_EQ(w.source.mutating(), (Strings{"migrate-set-capabilities", "set_link standby0", "device_del primary0",
                                            "migrate unix:/run/fake-migration.sock"}));
    EXPECT_EQ(w.destination.mutating(), (Strings{"migrate-set-capabilities", "device_add primary0", "announce-self"}));
    EXPECT_TRUE(w.destination.devices.contains("primary0"));
    EXPECT_EQ(w.source_filter.calls, (Strings{"check", "to-standby", "release"}));
    EXPECT_EQ(w.destination_filter.calls, (Strings{"check", "to-primary"}));
    EXPECT_EQ(run.timeline().names("step", "skipped"), (Strings{"primary-link-down", "resume-destination"}));
    ASSERT_FALSE(progress.empty());
    EXPECT_NE(progress.front().find("migrate: active  ram 22% (100.0 MiB sent of 512.0 MiB)"), std::string::npos) << progress.front();
    EXPECT_EQ(progress.back().substr(0, 18), "migrate: completed");
}

TEST(MigrationRun, FailoverOnLetsQemuUnplugAndWaitsForNegotiated) {
    World w;
    w.setup(true);
    MigrationRun run(w.ports(), request());
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::Migrated) << result.failed_step << ": " << result.error;
    EXPECT_EQ(w.source.mutating(), (Strings{"migrate-set-capabilities", "set_link standby0",
                                            "migrate unix:/run/fake-migration.sock"}));
    EXPECT_EQ(w.destination.mutating(), (Strings{"migrate-set-capabilities", "announce-self"}));
    // The events of both sides, in time order, as QEMU's reference run shows them (reference-figures.md).
    EXPECT_EQ(run.timeline().names("event"),
              (Strings{"MIGRATION", "UNPLUG_PRIMARY", "MIGRATION", "MIGRATION", "STOP", "MIGRATION", "MIGRATION",
                       "FAILOVER_NEGOTIATED", "RESUME"}));
    const auto timeline = run.timeline().to_json();
    const auto unplug = std::find_if(timeline.begin(), timeline.end(), [](const json& e) {
        return e["name"] == "unplug-primary" && e.value("status", "") == "skipped";
    });
    ASSERT_NE(unplug, timeline.end());
    EXPECT_NE((*unplug)["detail"]["reason"].get<std::string>().find("wait-unplug"), std::string::npos);
}

TEST(MigrationRun, WithoutTheEventsCapabilityQueryMigratePollsCarryTheRun) {
    World w;
    w.setup(true);
    for (FakeVmm* v : {&w.source, &w.destination}) v->capabilities.erase("events");
    MigrationRun run(w.ports(), request());
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::Migrated) << result.error;
    EXPECT_EQ(run.timeline().names("event", ""), (Strings{"UNPLUG_PRIMARY", "STOP", "FAILOVER_NEGOTIATED", "RESUME"}));
}

TEST(MigrationRun, PausedDestinationIsResumedAfterItsVfIsPlugged) {
    World w;
    w.setup(false);
    w.script.destination_autostart = false;
    MigrationRun run(w.ports(), request(w.primary_device()));
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::Migrated) << result.error;
    EXPECT_EQ(w.destination.mutating(),
              (Strings{"migrate-set-capabilities", "device_add primary0", "cont", "announce-self"}));
    EXPECT_EQ(w.destination.run_state, "running");
    const auto steps = run.timeline().names("step", "ok");
    const auto filter = std::find(steps.begin(), steps.end(), "filter-to-primary");
    const auto resume = std::find(steps.begin(), steps.end(), "resume-destination");
    EXPECT_LT(filter, resume);
    // Paused, the guest is still the source's to go back to until `cont`: its filter is released last.
    EXPECT_EQ(steps.back(), "release-source-filter");
}

TEST(MigrationRun, WithoutFiltersTheFilterStepsAreSkipped) {
    World w;
    w.setup(true);
    MigrationRun run(w.ports(false), request());
    ASSERT_EQ(run.run().status, RunStatus::Migrated);
    EXPECT_EQ(run.timeline().names("step", "skipped"),
              (Strings{"filter-to-standby", "primary-link-down", "unplug-primary", "release-source-filter", "filter-to-primary",
                       "resume-destination"}));
}

TEST(MigrationRun, AnnounceNotOfferedIsAWarningNotAFailure) {
    World w;
    w.setup(true);
    w.destination.knows_announce = false;
    MigrationRun run(w.ports(), request());
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::Migrated);
    ASSERT_EQ(result.warnings.size(), 1u);
    EXPECT_NE(result.warnings[0].find("announce-self: CommandNotFound"), std::string::npos);
}

TEST(MigrationRun, PrimaryAbsentOnTheSourceIsPluggedOnTheDestination) {
    World w;
    w.setup(false);
    w.source.devices.erase("primary0");  // the VF is already gone (e.g. surprise-removed)
    MigrationRun run(w.ports(), request(w.primary_device()));
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::Migrated) << result.error;
    EXPECT_EQ(w.source.mutating(), (Strings{"migrate-set-capabilities", "set_link standby0",
                                            "migrate unix:/run/fake-migration.sock"}));
    EXPECT_TRUE(w.destination.devices.contains("primary0"));
}

TEST(MigrationRun, TimelineIsInTimeOrderWithOffsets) {
    World w;
    w.setup(true);
    MigrationRun run(w.ports(), request());
    ASSERT_EQ(run.run().status, RunStatus::Migrated);
    const auto j = run.timeline().to_json();
    ASSERT_GT(j.size(), 20u);
    double last = -1;
    for (const auto& e : j) {
        EXPECT_GE(e["t_ms"].get<double>(), last);
        last = e["t_ms"];
        EXPECT_TRUE(e.contains("kind") && e.contains("name") && e.contains("side") && e.contains("wall_us"));
    }
    EXPECT_GE(last, 1000.0);  // the scripted migration takes 1 s (plus the eject)
}

}  // namespace
}  // namespace nf::orchestrator::test
