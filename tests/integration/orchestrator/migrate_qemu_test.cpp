// failover-migrate migrates between two real QEMU processes (TCG, firmware only: QEMU migrates a machine
// with no OS fine) and plugs the VF on the destination; the timeline carries QEMU's own events.
#include <gtest/gtest.h>

#include "qemu_pair.h"

namespace nf::orchestrator::test {
namespace {

using Strings = std::vector<std::string>;

std::vector<std::string> base_args(QemuPair& p) {
    return {"--source", p.source().qmp_address(), "--destination", p.destination().qmp_address(),
            "--uri", p.destination().migration_uri(), "--primary-device", primary_device_json(),
            "--source-filter", p.source().filter(), "--destination-filter", p.destination().filter(), "--json"};
}

TEST(MigrateQemu, PausedDestinationGetsItsVfBeforeItRuns) {
    QemuPair p;
    p.source().start({});
    p.destination().start({.incoming = true, .paused = true});
    const MigrateRun run = run_migrate(base_args(p));
    ASSERT_EQ(run.status, 0) << run.out << run.err << p.source().log() << p.destination().log();
    const auto out = run.json();
    EXPECT_EQ(out["result"], "migrated");
    EXPECT_EQ(out["pair"]["standby"], "standby0");
    EXPECT_EQ(out["pair"]["primary"], "primary0");
    EXPECT_EQ(out["pair"]["failover"], false);
    EXPECT_EQ(out["migration"]["status"], "completed");
    EXPECT_EQ(timeline_names(out, "step", "ok"),
              (Strings{"preflight", "capabilities", "standby-link-up", "filter-to-standby", "migrate",
                       "plug-primary", "filter-to-primary", "resume-destination", "announce-self",
                       "release-source-filter"}));
    EXPECT_EQ(timeline_names(out, "step", "skipped"), (Strings{"primary-link-down", "unplug-primary"}));
    // QEMU's events from both sides (events capability turned on by the run): the source goes setup →
    // active → completed and stops; the destination completes loading, then resumes on our `cont`.
    Strings source_events, destination_events;
    for (const auto& e : out["timeline"]) {
        if (e["kind"] != "event" || e["name"] == "MIGRATION_PASS") continue;
        std::string name = e["name"];
        if (name == "MIGRATION") name += " " + e["detail"]["status"].template get<std::string>();
        (e["side"] == "source" ? source_events : destination_events).push_back(name);
    }
    EXPECT_EQ(source_events, (Strings{"MIGRATION setup", "MIGRATION active", "STOP", "MIGRATION completed"}));
    EXPECT_EQ(destination_events, (Strings{"MIGRATION active", "MIGRATION completed", "RESUME"}));

    auto src = p.source().qmp();
    auto dst = p.destination().qmp();
    EXPECT_EQ(run_state(src), "postmigrate");
    EXPECT_EQ(run_state(dst), "running");
    EXPECT_TRUE(device_present(dst, "primary0"));
    // The destination host's filter points at its VF; the source host keeps no entry for the VM's MAC.
    EXPECT_EQ(p.destination().static_fdb(), (Strings{"tap-vf sticky"}));
    EXPECT_TRUE(p.source().static_fdb().empty());
}

TEST(MigrateQemu, AutostartingDestinationWithExplicitIdsAndOptions) {
    QemuPair p;
    p.source().start({});
    p.destination().start({.incoming = true});
    auto args = base_args(p);
    args.insert(args.end(), {"--standby", "standby0", "--primary", "primary0", "--mac", kMac, "--announce-rounds", "2",
                             "--link-down-settle", "50", "--unplug-timeout", "3000", "--migrate-timeout", "60000", "--plug-timeout", "5000",
                             "--rollback-timeout", "5000", "--connect-timeout", "2000", "--command-timeout", "3000"});
    const MigrateRun run = run_migrate(args);
    ASSERT_EQ(run.status, 0) << run.out << run.err;
    const auto out = run.json();
    EXPECT_EQ(timeline_names(out, "step", "skipped"),
              (Strings{"primary-link-down", "unplug-primary", "resume-destination"}));
    for (const auto& e : out["timeline"])
        if (e["kind"] == "command" && e["name"] == "announce-self") {
            EXPECT_EQ(e["detail"]["arguments"]["rounds"], 2);
        }
    auto dst = p.destination().qmp();
    EXPECT_EQ(run_state(dst), "running");
    EXPECT_TRUE(device_present(dst, "primary0"));
}

TEST(MigrateQemu, NoAnnounceAndPlainOutput) {
    QemuPair p;
    p.source().start({});
    p.destination().start({.incoming = true, .paused = true});
    const MigrateRun run = run_migrate({"--source", p.source().qmp_address(), "--destination", p.destination().qmp_address(),
                                 "--uri", p.destination().migration_uri(), "--primary-device", primary_device_json(),
                                 "--no-announce"});
    ASSERT_EQ(run.status, 0) << run.out << run.err;
    EXPECT_NE(run.out.find("migrated: standby0 + primary0 run on the destination (total "), std::string::npos) << run.out;
    EXPECT_EQ(run.err, "");  // not a terminal: no progress line
}

TEST(MigrateQemu, DryRunPrintsThePlanAndChangesNothing) {
    QemuPair p;
    p.source().start({.tcp_qmp = true});
    p.destination().start({.incoming = true, .paused = true});
    // The source's QMP listens on the loopback of its own namespace: run failover-migrate there.
    const MigrateRun run = run_migrate({"--source", p.source().qmp_address(), "--destination", p.destination().qmp_address(),
                                 "--uri", p.destination().migration_uri(), "--primary-device", primary_device_json(),
                                 "--source-filter", p.source().filter(), "--dry-run"},
                                30s, p.source().ns());
    ASSERT_EQ(run.status, 0) << run.out << run.err;
    for (const char* s : {"pair: standby standby0 (failover=off), primary primary0 (not plugged on the source)",
                          "1. capabilities [host]: migrate-set-capabilities: source events, return-path",
                          "4. primary-link-down [source]: skipped (no --link-down-settle)",
                          "6. migrate [source]: migrate unix:", "7. release-source-filter [host]: ",
                          "8. plug-primary [destination]: device_add primary0"})
        EXPECT_NE(run.out.find(s), std::string::npos) << s << "\n" << run.out;
    {
        auto dst = p.destination().qmp();  // QEMU serves one client per QMP socket: closed before the next run
        EXPECT_EQ(run_state(dst), "inmigrate");
    }
    EXPECT_TRUE(p.source().static_fdb().empty());
    const MigrateRun json_run = run_migrate({"--source", p.source().qmp_address(), "--destination",
                                      p.destination().qmp_address(), "--uri", p.destination().migration_uri(),
                                      "--primary-device", primary_device_json(), "--dry-run", "--json"},
                                     30s, p.source().ns());
    ASSERT_EQ(json_run.status, 0) << json_run.err;
    const auto out = json_run.json();
    EXPECT_EQ(out["result"], "planned");
    EXPECT_EQ(out["plan"].size(), 11u);
    EXPECT_EQ(out["plan"][3]["step"], "primary-link-down");
    EXPECT_EQ(out["plan"][5]["step"], "migrate");
}

}  // namespace
}  // namespace nf::orchestrator::test
