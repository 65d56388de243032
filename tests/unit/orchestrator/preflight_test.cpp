// Preflight: every refusal is clear and changes nothing (no mutating QMP command, no filter touched).
#include <gtest/gtest.h>

#include "fake_world.h"

namespace nf::orchestrator::test {
namespace {

using nlohmann::json;

struct Refusal {
    RunResult result;
    std::vector<std::string> source_changes;
    std::vector<std::string> destination_changes;
    std::vector<std::string> filter_calls;
};

Refusal run_refused(World& w, MigrateRequest req) {
    MigrationRun run(w.ports(), std::move(req));
    Refusal r{run.run(), w.source.mutating(), w.destination.mutating(), {}};
    for (const auto& c : w.source_filter.calls)
        if (c != "check") r.filter_calls.push_back(c);
    return r;
}

void expect_refused(const Refusal& r, const std::string& why) {
    EXPECT_EQ(r.result.status, RunStatus::Refused);
    EXPECT_EQ(exit_code(r.result.status), 3);
    EXPECT_EQ(r.result.failed_step, "preflight");
    EXPECT_NE(r.result.error.find(why), std::string::npos) << r.result.error;
    EXPECT_TRUE(r.source_changes.empty()) << r.source_changes.front();
    EXPECT_TRUE(r.destination_changes.empty()) << r.destination_changes.front();
    EXPECT_TRUE(r.filter_calls.empty());
}

TEST(Preflight, FindsThePairFromQomFailoverPairId) {
    World w;
    w.setup(true);
    MigrationRun run(w.ports(), request());
    const auto result = run.preflight();
    ASSERT_EQ(result.status, RunStatus::Migrated) << result.error;
    EXPECT_EQ(result.pairing->standby, "standby0");
    EXPECT_EQ(result.pairing->primary, "primary0");
    EXPECT_TRUE(result.pairing->failover);
    EXPECT_TRUE(result.pairing->primary_on_source);
    EXPECT_EQ(result.pairing->mac, "52:54:00:00:00:01");
    EXPECT_EQ(w.source_filter.mac, "52:54:00:00:00:01");
    EXPECT_TRUE(w.source.mutating().empty());
}

TEST(Preflight, DestinationNotInmigrate) {
    World w;
    w.setup(true);
    w.destination.run_state = "running";
    expect_refused(run_refused(w, request()), "the destination is 'running', not waiting for an incoming migration");
}

TEST(Preflight, SourceNotRunning) {
    World w;
    w.setup(true);
    w.source.run_state = "paused";
    expect_refused(run_refused(w, request()), "the source VM is 'paused', not running");
}

TEST(Preflight, SourceCannotMigrate) {
    World w;
    w.setup(true);
    w.source.knows_migrate = false;
    expect_refused(run_refused(w, request()), "the source VMM cannot migrate");
}

TEST(Preflight, MigrationAlreadyRunning) {
    World w;
    w.setup(true);
    w.source.migration = "active";
    expect_refused(run_refused(w, request()), "a migration is already running on the source (status 'active')");
}

TEST(Preflight, StreamCapabilitiesDisagree) {
    World w;
    w.setup(true);
    w.source.capabilities["postcopy-ram"] = true;
    expect_refused(run_refused(w, request()),
                   "capability 'postcopy-ram' is on on the source and off on the destination");
}

TEST(Preflight, FailoverOffNeedsPrimaryDevice) {
    World w;
    w.setup(false);
    expect_refused(run_refused(w, request()), "has failover=off, so the destination VMM will not plug 'primary0'");
}

TEST(Preflight, FailoverOffDestinationMustNotHaveThePrimary) {
    World w;
    w.setup(false);
    w.destination.devices.insert("primary0");
    expect_refused(run_refused(w, request(w.primary_device())), "the destination already has 'primary0'");
}

TEST(Preflight, PrimaryDeviceMustBeAnObjectWithDriverAndId) {
    World w;
    w.setup(false);
    expect_refused(run_refused(w, request(json::array())), "--primary-device must be a JSON object");
    World w2;
    w2.setup(false);
    expect_refused(run_refused(w2, request(json{{"id", "primary0"}})), "--primary-device needs a \"driver\"");
}

TEST(Preflight, PrimaryDeviceIdMustBeThePrimary) {
    World w;
    w.setup(false);
    auto pd = w.primary_device();
    pd["id"] = "other";
    pd.erase("failover_pair_id");
    expect_refused(run_refused(w, request(pd)), "--primary-device has id \"other\", but the primary is 'primary0'");
}

TEST(Preflight, DestinationWithoutTheStandby) {
    World w;
    w.setup(true);
    w.destination.devices.erase("standby0");
    expect_refused(run_refused(w, request()), "the destination has no device 'standby0'");
}

TEST(Preflight, NoPairOnTheSource) {
    World w;
    w.setup(true);
    w.source.devices.erase("primary0");
    expect_refused(run_refused(w, request()), "no failover pair found on the source");
}

TEST(Preflight, SeveralPairsNeedAChoice) {
    World w;
    w.setup(true);
    for (FakeVmm* v : {&w.source, &w.destination}) {
        v->devices.insert("standby1");
        v->props["standby1"] = {{"failover", true}, {"mac", "52:54:00:00:00:02"}};
        v->props["primary1"] = {{"failover_pair_id", "standby1"}};
    }
    w.source.devices.insert("primary1");
    expect_refused(run_refused(w, request()),
                   "several failover pairs on the source (primary0 -> standby0, primary1 -> standby1)");

    World w2;
    w2.setup(true);
    for (FakeVmm* v : {&w2.source, &w2.destination}) {
        v->devices.insert("standby1");
        v->props["standby1"] = {{"failover", true}, {"mac", "52:54:00:00:00:02"}};
        v->props["primary1"] = {{"failover_pair_id", "standby1"}};
    }
    w2.source.devices.insert("primary1");
    auto req = request();
    req.standby = "standby1";
    MigrationRun run(w2.ports(), req);
    const auto result = run.preflight();
    ASSERT_EQ(result.status, RunStatus::Migrated) << result.error;
    EXPECT_EQ(result.pairing->primary, "primary1");
    EXPECT_EQ(result.pairing->mac, "52:54:00:00:00:02");
}

TEST(Preflight, FailoverOnPrimaryHiddenOnSource) {
    World w;
    w.setup(true);
    w.source.devices.erase("primary0");
    auto req = request();
    req.standby = "standby0";
    req.primary = "primary0";
    expect_refused(run_refused(w, req), "the primary 'primary0' is not plugged on the source");
}

TEST(Preflight, FilterCheckFailure) {
    World w;
    w.setup(true);
    w.destination_filter.fail_on = "check";
    expect_refused(run_refused(w, request()), "destination filter: fake check failed");
}

TEST(Preflight, FilterNeedsAMac) {
    World w;
    w.setup(true);
    w.source.props["standby0"].erase("mac");
    expect_refused(run_refused(w, request()), "give --mac");
    World w2;
    w2.setup(true);
    w2.source.props["standby0"].erase("mac");
    auto req = request();
    req.mac = "02:00:00:00:00:09";
    MigrationRun run(w2.ports(), req);
    ASSERT_EQ(run.preflight().status, RunStatus::Migrated);
    EXPECT_EQ(w2.source_filter.mac, "02:00:00:00:00:09");
}

TEST(Preflight, CapabilitiesWhereBothOffer) {
    World w;
    w.setup(true);
    w.source.capabilities["netpass"] = false;  // only the source has the netpass series
    MigrationRun run(w.ports(), request());
    const auto result = run.preflight();
    ASSERT_EQ(result.status, RunStatus::Migrated) << result.error;
    EXPECT_EQ(result.pairing->enable_on_source, (std::set<std::string>{"events", "return-path"}));
    EXPECT_EQ(result.pairing->enable_on_destination, (std::set<std::string>{"events", "return-path"}));
    EXPECT_NE(run.plan_text().find("'netpass' is offered only by the source: not used"), std::string::npos)
        << run.plan_text();
}

TEST(Preflight, NetpassWhenBothOfferIt) {
    World w;
    w.setup(true);
    w.source.capabilities["netpass"] = false;
    w.destination.capabilities["netpass"] = false;
    MigrationRun run(w.ports(), request());
    const auto result = run.preflight();
    EXPECT_TRUE(result.pairing->enable_on_source.contains("netpass"));
    EXPECT_TRUE(result.pairing->enable_on_destination.contains("netpass"));
}

// failover-lab migrate --no-netpass: offered on both sides, left off, and the plan says why.
TEST(Preflight, NetpassLeftOffByRequest) {
    World w;
    w.setup(true);
    w.source.capabilities["netpass"] = false;
    w.destination.capabilities["netpass"] = false;
    auto req = request();
    req.netpass = NetpassMode::Off;
    MigrationRun run(w.ports(), req);
    const auto result = run.preflight();
    EXPECT_FALSE(result.pairing->enable_on_source.contains("netpass"));
    EXPECT_FALSE(result.pairing->enable_on_destination.contains("netpass"));
    EXPECT_TRUE(result.pairing->enable_on_source.contains("return-path"));
    EXPECT_NE(run.plan_text().find("netpass: not turned on (by request)"), std::string::npos) << run.plan_text();
}

// A VMM that received a VM with netpass on still has it on: --no-netpass turns it off there (the stream's
// capabilities must agree), and a failed run turns it back on.
TEST(Preflight, NetpassTurnedOffByRequestWhereItIsOn) {
    World w;
    w.setup(true);
    w.source.capabilities["netpass"] = true;
    w.destination.capabilities["netpass"] = false;
    auto req = request();
    req.netpass = NetpassMode::Off;
    MigrationRun run(w.ports(), req);
    const auto result = run.preflight();
    EXPECT_TRUE(result.pairing->disable_on_source.contains("netpass"));
    EXPECT_TRUE(result.pairing->disable_on_destination.empty());
    EXPECT_NE(run.plan_text().find("off: source netpass"), std::string::npos) << run.plan_text();
}

TEST(Preflight, VmmWithoutCapabilitiesStillMigrates) {
    World w;
    w.setup(true);
    w.source.offers_capabilities = false;
    w.destination.offers_capabilities = false;
    MigrationRun run(w.ports(), request());
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::Migrated) << result.error;
    EXPECT_EQ(run.timeline().names("step", "skipped").front(), "capabilities");
}

TEST(Preflight, PlanTextNamesEveryStep) {
    World w;
    w.setup(false);
    MigrationRun run(w.ports(), request(w.primary_device()));
    ASSERT_EQ(run.preflight().status, RunStatus::Migrated);
    const auto text = run.plan_text();
    for (const char* s : {"capabilities", "standby-link-up", "filter-to-standby", "unplug-primary", "migrate",
                          "plug-primary", "filter-to-primary", "resume-destination", "announce-self",
                          "release-source-filter", "device_del primary0", "device_add primary0", "failover=off"})
        EXPECT_NE(text.find(s), std::string::npos) << s << "\n" << text;
    EXPECT_TRUE(w.source.mutating().empty());
}

}  // namespace
}  // namespace nf::orchestrator::test
