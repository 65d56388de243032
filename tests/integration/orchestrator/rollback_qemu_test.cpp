// Failures against real QEMU: each run exits non-zero naming the step, and the source is left as it was:
// the guest running with its VF, the host filter as found, capabilities back off.
#include <gtest/gtest.h>

#include "qemu_pair.h"
#include "vmm_fixture.h"

namespace nf::orchestrator::test {
namespace {

using Strings = std::vector<std::string>;
using vmm::test::sh_ok;

// The source host's NIC filter as a real one would be before the run: the VM's MAC on the VF's port.
void preset_source_filter(QemuPair& p) {
    sh_ok("bridge -n " + p.source().ns() + " fdb replace " + kMac + " dev tap-vf master static sticky");
}

bool capability(qmp::QmpClient& q, const std::string& name) {
    for (const auto& c : q.execute_ok("query-migrate-capabilities"))
        if (c["capability"] == name) return c["state"];
    return false;
}

TEST(RollbackQemu, MigrationToNobodyRollsBack) {
    QemuPair p;
    p.source().start({});
    p.destination().start({.incoming = true, .paused = true});
    preset_source_filter(p);
    const MigrateRun run = run_migrate({"--source", p.source().qmp_address(), "--destination", p.destination().qmp_address(),
                                 "--uri", "unix:" + p.dir() + "/nobody-listens.sock", "--primary-device",
                                 primary_device_json(), "--source-filter", p.source().filter(), "--json"});
    ASSERT_EQ(run.status, 1) << run.out << run.err;
    const auto out = run.json();
    EXPECT_EQ(out["result"], "rolled-back");
    EXPECT_EQ(out["failed-step"], "migrate");
    // QEMU 7.2 usually accepts `migrate` and fails the connection asynchronously (MIGRATION failed); either
    // way the error names the connection, and the undos end with the filter and the capabilities.
    EXPECT_NE(out["error"].get<std::string>().find("Failed to connect"), std::string::npos) << out["error"];
    auto undos = timeline_names(out, "undo", "ok");
    ASSERT_GE(undos.size(), 3u);
    EXPECT_EQ(Strings(undos.end() - 3, undos.end()), (Strings{"filter-to-standby", "capabilities", "capabilities"}));
    auto src = p.source().qmp();
    EXPECT_EQ(run_state(src), "running");
    EXPECT_FALSE(capability(src, "events"));
    EXPECT_FALSE(capability(src, "return-path"));
    EXPECT_EQ(p.source().static_fdb(), (Strings{"tap-vf sticky"}));
}

TEST(RollbackQemu, UnplugTimeoutLeavesTheVfOnTheSource) {
    QemuPair p;
    p.source().start({.primary = true});  // failover=off, a VF plugged: without a guest nobody ejects it
    p.destination().start({.incoming = true, .paused = true});
    preset_source_filter(p);
    const MigrateRun run = run_migrate({"--source", p.source().qmp_address(), "--destination", p.destination().qmp_address(),
                                 "--uri", p.destination().migration_uri(), "--primary-device", primary_device_json(),
                                 "--source-filter", p.source().filter(), "--link-down-settle", "300",
                                 "--unplug-timeout", "500", "--json"});
    ASSERT_EQ(run.status, 1) << run.out << run.err;
    const auto out = run.json();
    EXPECT_EQ(out["failed-step"], "unplug-primary");
    EXPECT_NE(out["error"].get<std::string>().find("no DEVICE_DELETED for 'primary0' within 500 ms"), std::string::npos);
    EXPECT_EQ(out["pair"]["primary-on-source"], true);
    // The e1000e is a NIC QEMU emulates: set_link took its link down before device_del (after the
    // --link-down-settle), and the undo brought it back up.
    int downs = 0, ups = 0;
    std::int64_t down_us = 0, del_us = 0;
    for (const auto& e : out["timeline"]) {
        if (e["kind"] != "command") continue;
        const auto& a = e["detail"]["arguments"];
        if (e["name"] == "set_link" && a.value("name", "") == "primary0") {
            EXPECT_EQ(e["status"], "ok") << e.dump();
            (a.value("up", true) ? ups : downs)++;
            if (!a.value("up", true)) down_us = e["wall_us"];
        }
        if (e["name"] == "device_del") del_us = e["wall_us"];
    }
    EXPECT_EQ(downs, 1);
    EXPECT_EQ(ups, 1);
    EXPECT_GE(del_us - down_us, 300'000) << "device_del before the settle passed";
    Strings link_steps;
    for (const auto& e : out["timeline"])
        if (e["name"] == "primary-link-down" && e["kind"] != "command")
            link_steps.push_back(e["kind"].get<std::string>() + " " + e["status"].get<std::string>());
    EXPECT_EQ(link_steps, (Strings{"step begin", "step ok", "undo begin", "undo ok"}));
    auto src = p.source().qmp();
    EXPECT_EQ(run_state(src), "running");
    EXPECT_TRUE(device_present(src, "primary0"));
    EXPECT_EQ(src.execute_ok("query-migrate").value("status", "none"), "none");  // never started
    EXPECT_EQ(p.source().static_fdb(), (Strings{"tap-vf sticky"}));
    auto dst = p.destination().qmp();
    EXPECT_EQ(run_state(dst), "inmigrate");
}

TEST(RollbackQemu, SigtermWhileWaitingForTheUnplugRollsBack) {
    QemuPair p;
    p.source().start({.primary = true});
    p.destination().start({.incoming = true, .paused = true});
    preset_source_filter(p);
    const MigrateRun run = run_migrate_terminated(
        {"--source", p.source().qmp_address(), "--destination", p.destination().qmp_address(), "--uri",
         p.destination().migration_uri(), "--primary-device", primary_device_json(), "--source-filter",
         p.source().filter(), "--unplug-timeout", "30000", "--json"},
        1500ms);
    ASSERT_EQ(run.status, 1) << run.out << run.err;
    const auto out = run.json();
    EXPECT_EQ(out["failed-step"], "unplug-primary");
    EXPECT_EQ(out["error"], "cancelled by the user (signal)");
    auto src = p.source().qmp();
    EXPECT_EQ(run_state(src), "running");
    EXPECT_TRUE(device_present(src, "primary0"));
    EXPECT_EQ(p.source().static_fdb(), (Strings{"tap-vf sticky"}));
}

TEST(RollbackQemu, MigrateTimeoutCancelsTheRunningMigration) {
    QemuPair p;
    p.source().start({});
    p.destination().start({.incoming = true, .paused = true});
    {
        // Throttled so that the migration is still sending RAM when the cancel arrives. Unthrottled, this
        // tiny guest's migration can be in its last phase by then, and the cancel ends it as "failed" (1 run
        // in 10: the destination failed first, the source never reported "cancelling"): QEMU 7.2 shuts the
        // return path before it marks the migration cancelling.
        auto src = p.source().qmp();
        src.execute_ok("migrate-set-parameters", {{"max-bandwidth", 4096}});
    }
    const MigrateRun run = run_migrate({"--source", p.source().qmp_address(), "--destination", p.destination().qmp_address(),
                                 "--uri", p.destination().migration_uri(), "--primary-device", primary_device_json(),
                                 "--migrate-timeout", "1", "--json"});
    ASSERT_EQ(run.status, 1) << run.out << run.err;
    const auto out = run.json();
    EXPECT_EQ(out["failed-step"], "migrate");
    EXPECT_NE(out["error"].get<std::string>().find("not completed within 1 ms"), std::string::npos) << out["error"];
    Strings commands = timeline_names(out, "command");
    EXPECT_NE(std::find(commands.begin(), commands.end(), "migrate_cancel"), commands.end());
    // The destination QEMU quits when its incoming migration fails. When it is gone before the undo runs
    // (a race with QEMU's exit), undoing its capabilities fails: a warning, never a failed rollback (the
    // exit status is 1 above, not 4), and never a warning about the source.
    if (out.contains("warnings")) {
        for (const auto& warning : out["warnings"]) {
            EXPECT_NE(warning.get<std::string>().find("on the destination"), std::string::npos) << warning;
        }
    }
    auto src = p.source().qmp();
    EXPECT_EQ(src.execute_ok("query-migrate").value("status", ""), "cancelled") << run.out;
    EXPECT_EQ(run_state(src), "running");
}

TEST(RollbackQemu, DestinationPlugFailureResumesTheSource) {
    QemuPair p;
    p.source().start({});
    p.destination().start({.incoming = true, .paused = true});  // -S: nothing runs there before our `cont`
    preset_source_filter(p);
    const MigrateRun run = run_migrate({"--source", p.source().qmp_address(), "--destination", p.destination().qmp_address(),
                                 "--uri", p.destination().migration_uri(), "--primary-device",
                                 primary_device_json("no-such-bus"), "--source-filter", p.source().filter(),
                                 "--destination-filter", p.destination().filter(), "--json"});
    ASSERT_EQ(run.status, 1) << run.out << run.err;
    const auto out = run.json();
    EXPECT_EQ(out["failed-step"], "plug-primary");
    EXPECT_NE(out["error"].get<std::string>().find("destination device_add: GenericError"), std::string::npos);
    auto src = p.source().qmp();
    auto dst = p.destination().qmp();
    EXPECT_EQ(run_state(src), "running");  // resumed by the undo of `migrate`
    EXPECT_EQ(run_state(dst), "paused");   // never ran the guest
    EXPECT_EQ(p.source().static_fdb(), (Strings{"tap-vf sticky"}));
    EXPECT_TRUE(p.destination().static_fdb().empty());
}

TEST(RollbackQemu, RefusesADestinationThatIsNotIncoming) {
    QemuPair p;
    p.source().start({});
    p.destination().start({});
    const MigrateRun run = run_migrate({"--source", p.source().qmp_address(), "--destination", p.destination().qmp_address(),
                                 "--uri", p.destination().migration_uri(), "--primary-device", primary_device_json()});
    EXPECT_EQ(run.status, 3) << run.out << run.err;
    EXPECT_NE(run.err.find("refused: the destination is 'running', not waiting for an incoming migration"),
              std::string::npos) << run.err;
    auto src = p.source().qmp();
    EXPECT_FALSE(capability(src, "events"));
    EXPECT_EQ(run_state(src), "running");
}

TEST(RollbackQemu, VfMacFilterRefusesALinkWithoutVfs) {
    QemuPair p;
    p.source().start({});
    p.destination().start({.incoming = true, .paused = true});
    sh_ok("ip -n " + p.source().ns() + " link add pf0 type veth peer name pf0p");  // a link without VFs
    const MigrateRun run = run_migrate({"--source", p.source().qmp_address(), "--destination", p.destination().qmp_address(),
                                 "--uri", p.destination().migration_uri(), "--primary-device", primary_device_json(),
                                 "--source-filter", "vf-mac:netns=" + p.source().ns() + ",pf=pf0,vf=0"});
    EXPECT_EQ(run.status, 3) << run.out << run.err;
    EXPECT_NE(run.err.find("source filter: vf-mac " + p.source().ns() + "/pf0 vf 0: 'pf0' has no SR-IOV VFs"),
              std::string::npos) << run.err;
    const MigrateRun missing = run_migrate({"--source", p.source().qmp_address(), "--destination",
                                     p.destination().qmp_address(), "--uri", p.destination().migration_uri(),
                                     "--primary-device", primary_device_json(), "--destination-filter",
                                     "fdb:netns=" + p.destination().ns() + ",bridge=br0,vf=tap-vf,pv=nope0"});
    EXPECT_EQ(missing.status, 3);
    EXPECT_NE(missing.err.find("'nope0' is not a port of br0"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace nf::orchestrator::test
