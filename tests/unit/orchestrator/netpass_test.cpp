// --netpass: which netpass a run uses, and host netpass driven around the switchover (start before
// `migrate`, armed at the source's STOP, told `resumed` at the switch, counts in the result, abort on
// rollback).
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>

#include "fake_world.h"

namespace nf::orchestrator::test {
namespace {

using nlohmann::json;
using Strings = std::vector<std::string>;

// Logs each call with the source VMM's commands seen so far, so the order against QMP can be checked.
struct FakeNetpass : HostNetpass {
    explicit FakeNetpass(World& w) : world(w) {}
    std::string describe() const override { return "fake netpass"; }
    void start() override {
        calls.push_back("start");
        if (fail_start) throw std::runtime_error("netpass destination half: no device 'tapX'");
        commands_at_start = world.source.mutating();
    }
    void arm() override {
        calls.push_back("arm");
        state_at_arm = world.source.run_state;
    }
    void resumed() override {
        calls.push_back("resumed");
        destination_at_resume = world.destination.run_state;
    }
    json finish(Millis) override {
        calls.push_back("finish");
        source_filter_at_finish = world.source_filter.calls;
        return {{"mode", "host"}, {"kept", 12}, {"injected", 12}, {"forwarded", 0}, {"dropped", 0}};
    }
    json abort() noexcept override {
        calls.push_back("abort");
        return {{"aborted", true}};
    }
    World& world;
    Strings calls;
    bool fail_start = false;
    Strings commands_at_start;
    Strings source_filter_at_finish;
    std::string state_at_arm, destination_at_resume;
};

RunPorts with_netpass(World& w, FakeNetpass& n) {
    RunPorts p = w.ports();
    p.netpass = &n;
    return p;
}

TEST(MigrationNetpass, HostNetpassAroundTheSwitchover) {
    World w;
    w.setup(true);
    FakeNetpass n(w);
    auto req = request();
    req.netpass = NetpassMode::Host;
    MigrationRun run(with_netpass(w, n), req);
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::Migrated) << result.failed_step << ": " << result.error;
    EXPECT_EQ(n.calls, (Strings{"start", "arm", "resumed", "finish"}));
    // Attached before `migrate` (mirroring), armed once the source stopped, resumed once the destination ran.
    EXPECT_EQ(std::count(n.commands_at_start.begin(), n.commands_at_start.end(), "migrate unix:/run/fake-migration.sock"), 0);
    EXPECT_NE(n.state_at_arm, "running");
    EXPECT_EQ(n.destination_at_resume, "running");
    EXPECT_EQ(result.netpass.at("kept"), 12);
    const auto steps = run.timeline().names("step", "begin");
    EXPECT_EQ(steps.front(), "preflight");
    // Finished once the destination runs, before the VF comes back (the hold orders the standby's path only).
    const auto finish = std::find(steps.begin(), steps.end(), "netpass-finish");
    ASSERT_NE(finish, steps.end());
    // ... and after the source's filter is released: it steers the VM's frames to the stopped source, where
    // only netpass carries them on (tests/vm: the frames between finish and release were lost).
    EXPECT_EQ(*std::prev(finish), "release-source-filter");
    EXPECT_EQ(*std::prev(finish, 2), "migrate");
    EXPECT_EQ(n.source_filter_at_finish, (Strings{"check", "to-standby", "release"}));
    EXPECT_LT(finish - steps.begin(), std::find(steps.begin(), steps.end(), "plug-primary") - steps.begin());
    EXPECT_NE(std::find(steps.begin(), steps.end(), "netpass-start"), steps.end());
    EXPECT_EQ(run.timeline().names("note"), (Strings{"netpass-armed", "switched", "netpass-resumed"}));
    // The VMMs' own netpass stays off.
    EXPECT_FALSE(w.source.capabilities["netpass"]);
}

TEST(MigrationNetpass, AutoPicksTheVmmsOwnWhenBothOfferIt) {
    World w;
    w.setup(true);
    for (auto* v : {&w.source, &w.destination}) v->capabilities["netpass"] = false;
    FakeNetpass n(w);
    MigrationRun run(with_netpass(w, n), request());
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::Migrated) << result.error;
    EXPECT_EQ(result.pairing->netpass, NetpassMode::Vmm);
    EXPECT_TRUE(n.calls.empty());
    EXPECT_TRUE(w.source.capabilities["netpass"]);
    EXPECT_TRUE(w.destination.capabilities["netpass"]);
}

TEST(MigrationNetpass, AutoFallsBackToHostThenOff) {
    {
        World w;
        w.setup(true);
        FakeNetpass n(w);
        MigrationRun run(with_netpass(w, n), request());
        EXPECT_EQ(run.run().pairing->netpass, NetpassMode::Host);
        EXPECT_EQ(n.calls.front(), "start");
    }
    World w;
    w.setup(true);
    MigrationRun run(w.ports(), request());
    const auto result = run.run();
    ASSERT_EQ(result.status, RunStatus::Migrated);
    EXPECT_EQ(result.pairing->netpass, NetpassMode::Off);
    EXPECT_TRUE(result.netpass.is_null());
}

TEST(MigrationNetpass, ExplicitModesRefuseWhatCannotBeDone) {
    World w;
    w.setup(true);
    auto req = request();
    req.netpass = NetpassMode::Host;
    auto r = MigrationRun(w.ports(), req).preflight();
    EXPECT_EQ(r.status, RunStatus::Refused);
    EXPECT_NE(r.error.find("--netpass host needs the taps"), std::string::npos) << r.error;
    req.netpass = NetpassMode::Vmm;
    r = MigrationRun(w.ports(), req).preflight();
    EXPECT_EQ(r.status, RunStatus::Refused);
    EXPECT_NE(r.error.find("--netpass vmm"), std::string::npos) << r.error;
    // Off: nothing, even where the VMMs offer it.
    for (auto* v : {&w.source, &w.destination}) v->capabilities["netpass"] = false;
    FakeNetpass n(w);
    req.netpass = NetpassMode::Off;
    MigrationRun off(with_netpass(w, n), req);
    const auto result = off.run();
    EXPECT_EQ(result.status, RunStatus::Migrated);
    EXPECT_FALSE(w.source.capabilities["netpass"]);
    EXPECT_TRUE(n.calls.empty());
}

TEST(MigrationNetpass, RollbackAbortsTheHalves) {
    World w;
    w.setup(true);
    w.script.migration_fails = true;
    FakeNetpass n(w);
    auto req = request();
    req.netpass = NetpassMode::Host;
    MigrationRun run(with_netpass(w, n), req);
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack);
    ASSERT_FALSE(n.calls.empty());
    EXPECT_EQ(n.calls.front(), "start");
    EXPECT_EQ(n.calls.back(), "abort");
    EXPECT_EQ(std::count(n.calls.begin(), n.calls.end(), "finish"), 0);
    EXPECT_EQ(result.netpass.at("aborted"), true);
}

TEST(MigrationNetpass, AHalfThatCannotStartRollsBackBeforeMigrating) {
    World w;
    w.setup(true);
    FakeNetpass n(w);
    n.fail_start = true;
    auto req = request();
    req.netpass = NetpassMode::Host;
    MigrationRun run(with_netpass(w, n), req);
    const auto result = run.run();
    EXPECT_EQ(result.status, RunStatus::RolledBack);
    EXPECT_EQ(result.failed_step, "netpass-start");
    EXPECT_NE(result.error.find("no device 'tapX'"), std::string::npos);
    for (const auto& c : w.source.mutating()) EXPECT_EQ(c.find("migrate "), std::string::npos) << c;
}

}  // namespace
}  // namespace nf::orchestrator::test
