// A VM migrates A→B→A→B→A→B under a ping stream from the client: every migration completes, (almost) no echo is lost,
// the lab state follows the VM (host, QMP socket, one VMM), and --no-netpass leaves the capability off.
#include <algorithm>
#include <thread>

#include "lab_migrate_fixture.h"
#include "lab/topology/process.h"
#include "support/ping_stream.h"

namespace nf::lab::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// See the end of BackAndForthUnderPings.
constexpr std::size_t kLostEchoBound = 0;

// Alive and not a zombie (the lab's processes are reparented away from us, and may wait to be reaped).
bool pid_running(int pid) { return process_start_time(pid).has_value(); }

TEST_F(LabMigrate, BackAndForthUnderPings) {
    json before = status();
    ASSERT_EQ(before["vms"].size(), 1u);
    EXPECT_EQ(before["vms"][0]["host"], "hostA");
    EXPECT_EQ(before["vms"][0]["home_host"], "hostA");
    EXPECT_EQ(before["vms"][0]["qmp"], names().qmp_socket("vm1").string());

    nf::test::PingStream ping(names().netns("client"), kVmIp, 0.01, 60);
    const auto replied = [&](int n) {
        for (int i = 0; i < 300 && ping.replies() < n; ++i) std::this_thread::sleep_for(10ms);
        return ping.replies() >= n;
    };
    ASSERT_TRUE(replied(20)) << "no pings answered before the first migration";

    std::string from = "hostA";
    int source_pid = before["vms"][0]["vmm"]["pid"].get<int>();
    for (const std::string to : {"hostB", "hostA", "hostB", "hostA", "hostB"}) {
        SCOPED_TRACE(from + " -> " + to);
        const json report = migrate(to);
        EXPECT_EQ(report.value("result", ""), "migrated") << report.dump(2);
        EXPECT_EQ(report["from"]["host"], from);
        EXPECT_EQ(report["to"]["host"], to);
        EXPECT_EQ(report["host"], to);
        const auto& stats = report["migration"];
        EXPECT_EQ(stats.value("status", ""), "completed");
        EXPECT_TRUE(stats.contains("downtime"));
        EXPECT_TRUE(stats["x-netfailover"]["netpass"]["enabled"].get<bool>()) << "netpass is on by default";
        EXPECT_EQ(stats["x-netfailover"]["netpass"]["dropped"], 0);
        EXPECT_EQ(stats["destination"]["status"], "completed");

        const json now = status();
        const auto& vm = now["vms"][0];
        EXPECT_EQ(vm["host"], to);
        EXPECT_EQ(vm["home_host"], "hostA");
        EXPECT_EQ(vm["host_netns"], names().netns(to));
        EXPECT_EQ(vm["qmp"], names().qmp_socket("vm1", to, "hostA").string());
        EXPECT_EQ(vm["qmp"], report["to"]["qmp"]);
        ASSERT_TRUE(vm["vmm"].is_object());
        EXPECT_TRUE(vm["vmm"]["alive"].get<bool>());
        EXPECT_NE(vm["vmm"]["pid"].get<int>(), source_pid);
        EXPECT_FALSE(pid_running(source_pid)) << "the source VMM was not stopped";
        std::vector<std::string> processes;
        for (const auto& p : now["processes"]) processes.push_back(p["name"]);
        std::sort(processes.begin(), processes.end());
        EXPECT_EQ(processes, (std::vector<std::string>{"guest-vm1", "vmm-vm1"}));
        for (const auto& p : now["processes"])
            if (p["name"] == "vmm-vm1") {
                EXPECT_EQ(p["netns"], names().netns(to));
            }
        EXPECT_TRUE(std::filesystem::exists(vm["qmp"].get<std::string>()));

        // The guest's VF is the destination host's now, and failoverd made it active again.
        wait_guest_active("primary");
        const int answered = ping.replies();
        ASSERT_TRUE(replied(answered + 20)) << "pings stopped after the migration to " << to;
        source_pid = vm["vmm"]["pid"].get<int>();
        from = to;
    }
    const auto result = ping.stop();
    // The target is none lost. Before failoverd claimed a joining VF's RX ahead of opening it, 3 of 22
    // migrations lost the echo right after the netpass-injected batch (the destination's VF filter steers the
    // VM's MAC to the new VF as soon as its port has carrier, 8-17 ms before the datapath was attached to it).
    // Then 1 of about 35 migrations lost one echo while the destination's VF joined the guest: the guest's
    // first frames through it (an echo reply) reached the host bridge port before it forwarded. The VMM now
    // keeps that port down until the guest opened the VF (vmm_vf_port.cpp): 0 lost in 16 runs of this test
    // (80 migrations, load 3-5), so none is allowed.
    EXPECT_LE(result.missing.size(), kLostEchoBound) << result.missing.size() << " echo(es) lost, first seq "
                                                     << (result.missing.empty() ? 0 : result.missing.front())
                                                     << "\n" << result.output;
    EXPECT_GT(result.answered, 100);
}

// --no-netpass: the capability stays off on both VMMs, also on one that received the VM with it on; the
// next migration without the flag turns it on again.
TEST_F(LabMigrate, NoNetpassLeavesTheCapabilityOff) {
    const json on = migrate("hostB");
    EXPECT_TRUE(on["migration"]["x-netfailover"]["netpass"]["enabled"].get<bool>());
    wait_guest_active("primary");
    const json off = migrate("hostA", {"--no-netpass"});
    ASSERT_EQ(off.value("result", ""), "migrated") << off.dump(2);
    EXPECT_FALSE(off["migration"]["x-netfailover"]["netpass"]["enabled"].get<bool>());
    EXPECT_FALSE(off["migration"]["destination"]["x-netfailover"]["netpass"]["enabled"].get<bool>());
    wait_guest_active("primary");
    const json again = migrate("hostB");
    EXPECT_TRUE(again["migration"]["x-netfailover"]["netpass"]["enabled"].get<bool>());
}

}  // namespace
}  // namespace nf::lab::test
