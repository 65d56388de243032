// Every failure before the switch leaves the source as it was: the guest running there with its VF, the
// filter as found, capabilities back off; the failed step is named.
#include <gtest/gtest.h>

#include "fake_world.h"

namespace nf::orchestrator::test {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

void expect_source_as_it_was(World& w) {
    EXPECT_EQ(w.source.run_state, "running");
    EXPECT_TRUE(w.source.devices.contains("primary0"));
    // primary-link-down undone: the primary's link up (or never set / a new device) and the VF's link state.
    EXPECT_NE(w.source.link_up.contains("primary0") ? w.source.link_up["primary0"] : true, false);
    EXPECT_TRUE(w.source_filter.vf_link_up);
    EXPECT_EQ(w.source_filter.points_to, "primary");
    EXPECT_EQ(w.destination_filter.points_to, "primary");
    EXPECT_FALSE(w.source.capabilities["events"]);
    EXPECT_FALSE(w.source.capabilities["return-path"]);
    EXPECT_FALSE(w.destination.capabilities["return-path"]);
}

TEST(Rollback, UnplugTimeoutFailoverOff) {
    World w;
    w.setup(false);
    w.script.guest_ejects = false;
    MigrationRun run(w.ports(), request(w.primary_device()));
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack);
    EXPECT_EQ(exit_code(result.status), 1);
    EXPECT_EQ(result.failed_step, "unplug-primary");
    EXPECT_NE(result.error.find("no DEVICE_DELETED for 'primary0' within 2000 ms"), std::string::npos) << result.error;
    expect_source_as_it_was(w);
    for (const auto& c : w.source.mutating()) EXPECT_FALSE(c.starts_with("migrate ")) << c;
    EXPECT_EQ(run.timeline().names("undo", "ok"), (Strings{"unplug-primary", "filter-to-standby", "capabilities", "capabilities"}));
    EXPECT_EQ(run.timeline().names("note").front(), "primary-still-plugged");
}

TEST(Rollback, UnplugTimeoutFailoverOnCancelsTheMigration) {
    World w;
    w.setup(true);
    w.script.guest_ejects = false;  // QEMU would sit in wait-unplug forever
    MigrationRun run(w.ports(), request());
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack);
    EXPECT_EQ(result.failed_step, "unplug-primary");
    EXPECT_NE(result.error.find("(wait-unplug)"), std::string::npos) << result.error;
    EXPECT_EQ(w.source.migration, "cancelled");
    EXPECT_NE(std::find(w.source.log.begin(), w.source.log.end(), "migrate_cancel"), w.source.log.end());
    expect_source_as_it_was(w);
}

TEST(Rollback, MigrateRefusedReplugsTheVf) {
    World w;
    w.setup(false);
    w.source.override["migrate"] = [](const json&) {
        return QmpReply::failure("GenericError", "Failed to connect socket: No such file or directory");
    };
    MigrationRun run(w.ports(), request(w.primary_device()));
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack);
    EXPECT_EQ(result.failed_step, "migrate");
    EXPECT_NE(result.error.find("source migrate: GenericError: Failed to connect socket"), std::string::npos);
    expect_source_as_it_was(w);
    const auto changes = w.source.mutating();
    EXPECT_EQ(changes.back(), "migrate-set-capabilities");  // the last undo: capabilities back off
    EXPECT_NE(std::find(changes.begin(), changes.end(), "device_add primary0"), changes.end());
}

// --no-netpass turned netpass off on a source that had it on; the failed run turns it back on.
TEST(Rollback, NetpassTurnedOffByRequestComesBackOn) {
    World w;
    w.setup(false);
    w.source.capabilities["netpass"] = true;
    w.source.capabilities["return-path"] = true;
    w.source.override["migrate"] = [&w](const json&) {
        EXPECT_FALSE(w.source.capabilities["netpass"]) << "netpass was still on when the migration started";
        return QmpReply::failure("GenericError", "Failed to connect socket: No such file or directory");
    };
    auto req = request(w.primary_device());
    req.netpass = NetpassMode::Off;
    MigrationRun run(w.ports(), req);
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack);
    EXPECT_TRUE(w.source.capabilities["netpass"]);
    EXPECT_TRUE(w.source.capabilities["return-path"]);
}

TEST(Rollback, MigrationFailsHalfWay) {
    World w;
    w.setup(false);
    w.script.migration_fails = true;
    MigrationRun run(w.ports(), request(w.primary_device()));
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack);
    EXPECT_EQ(result.failed_step, "migrate");
    EXPECT_NE(result.error.find("the migration failed: Unable to write to socket"), std::string::npos) << result.error;
    expect_source_as_it_was(w);
}

TEST(Rollback, CancelBySignalWhileMigrating) {
    World w;
    w.setup(true);
    MigrationRun run(w.ports(), request());
    run.cancel_requested = [&] { return w.source.migration == "active"; };
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack);
    EXPECT_EQ(result.failed_step, "migrate");
    EXPECT_NE(result.error.find("cancelled by the user"), std::string::npos);
    EXPECT_EQ(w.source.migration, "cancelled");
    expect_source_as_it_was(w);
}

TEST(Rollback, CancelledByAnotherClient) {
    World w;
    w.setup(true);
    w.at(500ms, [&] { w.cancel_migration(); });
    MigrationRun run(w.ports(), request());
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack);
    EXPECT_EQ(result.failed_step, "migrate");
    EXPECT_NE(result.error.find("the migration cancelled"), std::string::npos) << result.error;
    expect_source_as_it_was(w);
}

TEST(Rollback, DestinationPlugFailureBeforeTheSwitchResumesTheSource) {
    World w;
    w.setup(false);
    w.script.destination_autostart = false;  // -S: the switch is our `cont`
    w.destination.override["device_add"] = [](const json&) {
        return QmpReply::failure("GenericError", "vfio 0000:03:00.1: failed to open /dev/vfio/12");
    };
    MigrationRun run(w.ports(), request(w.primary_device()));
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack) << result.error;
    EXPECT_EQ(result.failed_step, "plug-primary");
    EXPECT_NE(result.error.find("destination device_add: GenericError: vfio"), std::string::npos) << result.error;
    expect_source_as_it_was(w);
    EXPECT_EQ(w.destination.run_state, "paused");  // never resumed: the guest never ran there
    const auto changes = w.source.mutating();
    EXPECT_NE(std::find(changes.begin(), changes.end(), "cont"), changes.end());
    EXPECT_NE(std::find(changes.begin(), changes.end(), "device_add primary0"), changes.end());
}

TEST(Rollback, DestinationFilterFailureBeforeTheSwitch) {
    World w;
    w.setup(true);
    w.script.destination_autostart = false;
    w.destination_filter.fail_on = "to-primary";
    MigrationRun run(w.ports(), request());
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack) << result.error;
    EXPECT_EQ(result.failed_step, "filter-to-primary");
    EXPECT_EQ(w.source.run_state, "running");
    EXPECT_EQ(w.source_filter.points_to, "primary");
    EXPECT_EQ(w.destination_filter.calls, (Strings{"check", "to-primary", "restore"}));
}

TEST(Rollback, DestinationPlugFailureAfterTheSwitchCannotGoBack) {
    World w;
    w.setup(false);
    w.destination.override["device_add"] = [](const json&) {
        return QmpReply::failure("GenericError", "Bus 'root1' not found");
    };
    MigrationRun run(w.ports(), request(w.primary_device()));
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::FailedAfterSwitch);
    EXPECT_EQ(exit_code(result.status), 5);
    EXPECT_EQ(result.failed_step, "plug-primary");
    EXPECT_EQ(w.source.run_state, "postmigrate");
    EXPECT_EQ(w.destination.run_state, "running");
    EXPECT_TRUE(run.timeline().names("undo").empty());
    // Still announced and the source host's filter released: the VM is reachable through its standby.
    EXPECT_EQ(w.source_filter.calls.back(), "release");
    EXPECT_EQ(w.destination.mutating().back(), "announce-self");
}

TEST(Rollback, NegotiationMissingOnTheDestination) {
    World w;
    w.setup(true);
    w.script.destination_autostart = false;
    w.script.destination_negotiates = false;  // the loaded standby did not come with STANDBY acked
    auto req = request();
    req.bounds.plug = 500ms;
    MigrationRun run(w.ports(), req);
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack) << result.error;
    EXPECT_EQ(result.failed_step, "plug-primary");
    EXPECT_NE(result.error.find("no FAILOVER_NEGOTIATED for 'standby0' from the destination within 500 ms"),
              std::string::npos) << result.error;
    expect_source_as_it_was(w);
}

TEST(Rollback, AFailingUndoIsReportedAndTheOthersStillRun) {
    World w;
    w.setup(false);
    w.script.guest_ejects = false;
    w.source_filter.fail_on = "restore";
    MigrationRun run(w.ports(), request(w.primary_device()));
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RollbackIncomplete);
    EXPECT_EQ(exit_code(result.status), 4);
    ASSERT_EQ(result.rollback_errors.size(), 1u);
    EXPECT_EQ(result.rollback_errors[0], "filter-to-standby: fake restore failed");
    EXPECT_EQ(run.timeline().names("undo", "ok"), (Strings{"unplug-primary", "capabilities", "capabilities"}));
}

TEST(Rollback, AnUndoOnTheDiscardedDestinationIsOnlyAWarning) {
    World w;
    w.setup(true);
    w.script.migration_fails = true;
    int calls = 0;
    w.destination.override["migrate-set-capabilities"] = [&](const json&) -> std::optional<QmpReply> {
        if (++calls == 1) return std::nullopt;
        throw std::runtime_error("qmp: server closed the connection");  // QEMU quit after the failed load
    };
    MigrationRun run(w.ports(), request());
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack);
    EXPECT_TRUE(result.rollback_errors.empty());
    ASSERT_EQ(result.warnings.size(), 1u);
    EXPECT_EQ(result.warnings[0],
              "undo capabilities on the destination: qmp: server closed the connection (ignored)");
    EXPECT_EQ(w.source.run_state, "running");
}

TEST(Rollback, SourceFilterFailureUndoesWhatItDid) {
    World w;
    w.setup(true);
    w.source_filter.fail_on = "to-standby";
    MigrationRun run(w.ports(), request());
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack);
    EXPECT_EQ(result.failed_step, "filter-to-standby");
    EXPECT_EQ(w.source_filter.calls, (Strings{"check", "to-standby", "restore"}));
    expect_source_as_it_was(w);
}

}  // namespace
}  // namespace nf::orchestrator::test
