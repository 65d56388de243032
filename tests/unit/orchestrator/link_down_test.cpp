// primary-link-down: the VF's link goes down before its unplug (the guest moves to the standby while the VF
// still passes its frames), by set_link on an emulated NIC or the PF's VF link state, with its settle and undo.
#include <gtest/gtest.h>

#include "fake_world.h"

namespace nf::orchestrator::test {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

const json* step_entry(const json& timeline, const std::string& name, const std::string& status) {
    for (const auto& e : timeline)
        if (e["kind"] == "step" && e["name"] == name && e.value("status", "") == status) return &e;
    return nullptr;
}

std::int64_t command_us(const json& timeline, const std::string& command, const std::string& id) {
    for (const auto& e : timeline)
        if (e["kind"] == "command" && e["name"] == command && e["detail"]["arguments"].dump().find(id) != std::string::npos)
            return e["wall_us"].get<std::int64_t>();
    return -1;
}

MigrateRequest with_settle(MigrateRequest r) {
    r.bounds.link_down_settle = 200ms;
    return r;
}

TEST(PrimaryLinkDown, NotRequestedIsSkippedAndNothingTouchesTheLink) {
    World w;
    w.setup(false);
    w.source_filter.has_vf_link = true;
    MigrationRun run(w.ports(), request(w.primary_device()));
    ASSERT_EQ(run.run().status, RunStatus::Migrated);
    const auto t = run.timeline().to_json();
    const auto* skipped = step_entry(t, "primary-link-down", "skipped");
    ASSERT_NE(skipped, nullptr);
    EXPECT_EQ((*skipped)["detail"]["reason"], "not requested (--link-down-settle)");
    EXPECT_FALSE(w.source.link_up.contains("primary0"));
    EXPECT_EQ(w.source_filter.calls, (Strings{"check", "to-standby", "release"}));
    ASSERT_EQ(run.preflight().status, RunStatus::Migrated);
    EXPECT_NE(run.plan_text().find("primary-link-down [source]: skipped (no --link-down-settle)"), std::string::npos);
}

TEST(PrimaryLinkDown, EmulatedNicLinkGoesDownBeforeDeviceDelAfterTheSettle) {
    World w;
    w.setup(false);
    auto req = request(w.primary_device());
    req.bounds.link_down_settle = 300ms;
    MigrationRun run(w.ports(), req);
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::Migrated) << result.failed_step << ": " << result.error;
    EXPECT_EQ(w.source.mutating(), (Strings{"migrate-set-capabilities", "set_link standby0", "set_link primary0",
                                            "device_del primary0", "migrate unix:/run/fake-migration.sock"}));
    const auto t = run.timeline().to_json();
    const auto* ok = step_entry(t, "primary-link-down", "ok");
    ASSERT_NE(ok, nullptr) << t.dump(1);
    EXPECT_EQ((*ok)["detail"]["by"], "set_link");
    EXPECT_EQ((*ok)["detail"]["settle_ms"], 300);
    const auto down = command_us(t, "set_link", "primary0"), del = command_us(t, "device_del", "primary0");
    ASSERT_GT(down, 0);
    EXPECT_GE(del - down, 300'000) << "device_del must wait the settle after the link went down";
    EXPECT_EQ(w.source_filter.calls, (Strings{"check", "to-standby", "release"}));  // no VF link to touch
}

TEST(PrimaryLinkDown, ZeroSettleUnplugsAtOnce) {
    World w;
    w.setup(false);
    auto req = request(w.primary_device());
    req.bounds.link_down_settle = 0ms;
    MigrationRun run(w.ports(), req);
    ASSERT_EQ(run.run().status, RunStatus::Migrated);
    const auto t = run.timeline().to_json();
    EXPECT_LT(command_us(t, "device_del", "primary0") - command_us(t, "set_link", "primary0"), 1000);
}

TEST(PrimaryLinkDown, PassthroughVfUsesThePfsVfLinkState) {
    World w;
    w.setup(false);
    w.source.not_nics = {"primary0"};  // vfio-pci: not a net client
    w.source_filter.has_vf_link = true;
    MigrationRun run(w.ports(), with_settle(request(w.primary_device())));
    ASSERT_EQ(run.run().status, RunStatus::Migrated);
    EXPECT_EQ(w.source_filter.calls, (Strings{"check", "to-standby", "link-down", "release"}));
    EXPECT_FALSE(w.source_filter.vf_link_up);
    const auto t = run.timeline().to_json();
    const auto* ok = step_entry(t, "primary-link-down", "ok");
    ASSERT_NE(ok, nullptr);
    EXPECT_EQ((*ok)["detail"]["by"], "vf-link-state");
}

TEST(PrimaryLinkDown, NeitherIsSkippedWithTheReasonAndTheUnplugStillRuns) {
    World w;
    w.setup(false);
    w.source.not_nics = {"primary0"};
    MigrationRun run(w.ports(), with_settle(request(w.primary_device())));
    ASSERT_EQ(run.run().status, RunStatus::Migrated);
    const auto t = run.timeline().to_json();
    const auto* skipped = step_entry(t, "primary-link-down", "skipped");
    ASSERT_NE(skipped, nullptr);
    const std::string reason = (*skipped)["detail"]["reason"];
    EXPECT_NE(reason.find("Device 'primary0' not found"), std::string::npos) << reason;
    EXPECT_NE(reason.find("no VF link state"), std::string::npos) << reason;
    EXPECT_EQ(w.source_filter.calls, (Strings{"check", "to-standby", "release"}));
    EXPECT_FALSE(w.source.devices.contains("primary0"));
}

TEST(PrimaryLinkDown, FailoverOnTakesTheLinkDownBeforeMigrate) {
    World w;
    w.setup(true);
    MigrationRun run(w.ports(), with_settle(request()));
    ASSERT_EQ(run.run().status, RunStatus::Migrated);
    EXPECT_EQ(w.source.mutating(), (Strings{"migrate-set-capabilities", "set_link standby0", "set_link primary0",
                                            "migrate unix:/run/fake-migration.sock"}));
}

TEST(PrimaryLinkDown, PrimaryAbsentOnTheSourceIsSkipped) {
    World w;
    w.setup(false);
    w.source.devices.erase("primary0");
    MigrationRun run(w.ports(), with_settle(request(w.primary_device())));
    ASSERT_EQ(run.run().status, RunStatus::Migrated);
    const auto t = run.timeline().to_json();
    EXPECT_NE(step_entry(t, "primary-link-down", "skipped"), nullptr);
}

TEST(PrimaryLinkDown, UnplugFailureBringsTheLinkBackUp) {
    World w;
    w.setup(false);
    w.script.guest_ejects = false;  // no DEVICE_DELETED: unplug-primary fails, the VF stays
    MigrationRun run(w.ports(), with_settle(request(w.primary_device())));
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::RolledBack) << result.error;
    EXPECT_EQ(result.failed_step, "unplug-primary");
    EXPECT_TRUE(w.source.devices.contains("primary0"));
    ASSERT_TRUE(w.source.link_up.contains("primary0"));
    EXPECT_TRUE(w.source.link_up["primary0"]);
    const auto m = w.source.mutating();
    EXPECT_EQ(std::count(m.begin(), m.end(), "set_link primary0"), 2);  // down, then up by the undo
}

TEST(PrimaryLinkDown, MigrationFailureReplugsAndTheVfLinkStateIsRestored) {
    World w;
    w.setup(false);
    w.script.migration_fails = true;
    w.source.not_nics = {"primary0"};
    w.source_filter.has_vf_link = true;
    MigrationRun run(w.ports(), with_settle(request(w.primary_device())));
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::RolledBack) << result.error;
    EXPECT_TRUE(w.source.devices.contains("primary0"));
    EXPECT_TRUE(w.source_filter.vf_link_up);
    EXPECT_EQ(w.source_filter.calls, (Strings{"check", "to-standby", "link-down", "link-restore", "restore"}));
}

TEST(PrimaryLinkDown, FailingLinkDownOnTheFilterUndoesTheFilterMove) {
    World w;
    w.setup(false);
    w.source.not_nics = {"primary0"};
    w.source_filter.has_vf_link = true;
    w.source_filter.fail_on = "link-down";
    MigrationRun run(w.ports(), with_settle(request(w.primary_device())));
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::RolledBack) << result.error;
    EXPECT_EQ(result.failed_step, "primary-link-down");
    EXPECT_EQ(w.source_filter.points_to, "primary");
    EXPECT_TRUE(w.source.devices.contains("primary0"));
}

TEST(PrimaryLinkDown, DryRunPlanShowsTheStepAndItsSettle) {
    World w;
    w.setup(false);
    auto req = request(w.primary_device());
    req.bounds.link_down_settle = 150ms;
    MigrationRun run(w.ports(), req);
    ASSERT_EQ(run.preflight().status, RunStatus::Migrated);
    const std::string text = run.plan_text();
    EXPECT_NE(text.find("primary-link-down [source]: set_link primary0 down (an emulated NIC), else fake source: "
                        "the VF's link state disable, else skipped; then 150 ms"),
              std::string::npos)
        << text;
    const auto steps = run.plan();
    const auto names = [&] {
        Strings n;
        for (const auto& s : steps) n.push_back(s.name);
        return n;
    }();
    const auto down = std::find(names.begin(), names.end(), "primary-link-down");
    const auto unplug = std::find(names.begin(), names.end(), "unplug-primary");
    ASSERT_NE(down, names.end());
    EXPECT_EQ(down + 1, unplug);
}

}  // namespace
}  // namespace nf::orchestrator::test
