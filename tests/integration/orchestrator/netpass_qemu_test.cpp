// failover-migrate --netpass host with stock QEMU (7.2, no netpass of its own): the failover-netpass halves
// run on both hosts' standby taps, keep what the bridge sends toward the VM while the source is stopped and
// inject it on the destination; nothing is left on either tap afterwards.
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <iterator>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "common/unique_fd.h"
#include "os/netns.h"
#include "qemu_pair.h"
#include "vmm_fixture.h"

namespace nf::orchestrator::test {
namespace {

using Strings = std::vector<std::string>;

// Frames toward the VM's MAC, sent into the source host's bridge at 1 kHz while the run lasts.
class Stream {
public:
    explicit Stream(const std::string& ns) {
        const auto netns = os::Netns::open_named(ns);
        os::NetnsScope in(netns);
        fd_ = UniqueFd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
        ifindex_ = static_cast<int>(::if_nametoindex("br0"));
        if (!fd_ || ifindex_ == 0) throw std::runtime_error("stream socket on br0");
        thread_ = std::thread([this] { run(); });
    }
    ~Stream() {
        stop_ = true;
        thread_.join();
    }
    int sent() const { return sent_; }

private:
    void run() {
        unsigned char f[60] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01, 0x02, 0x6e, 0x70, 0x00, 0x00, 0x09, 0x88, 0xb5};
        sockaddr_ll to{};
        to.sll_family = AF_PACKET;
        to.sll_ifindex = ifindex_;
        to.sll_halen = 6;
        auto next = std::chrono::steady_clock::now();
        while (!stop_) {
            const int n = sent_;
            std::memcpy(f + 14, &n, sizeof n);
            if (::sendto(fd_.get(), f, sizeof f, 0, reinterpret_cast<sockaddr*>(&to), sizeof to) == sizeof f) ++sent_;
            next += std::chrono::milliseconds(1);
            std::this_thread::sleep_until(next);
        }
    }
    UniqueFd fd_;
    int ifindex_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> sent_{0};
    std::thread thread_;
};

std::string programs_on(const std::string& ns) {
    return vmm::test::sh("nsenter --net=/run/netns/" + ns + " bpftool net show").output;
}

TEST(MigrateQemuNetpass, HostNetpassKeepsAndInjectsWithStockQemu) {
    QemuPair p;
    p.source().start({});
    p.destination().start({.incoming = true});
    Stream stream(p.source().ns());
    const MigrateRun run = run_migrate(
        {"--source", p.source().qmp_address(), "--destination", p.destination().qmp_address(), "--uri",
         p.destination().migration_uri(), "--primary-device", primary_device_json(), "--source-filter",
         p.source().filter(), "--destination-filter", p.destination().filter(), "--json", "--netpass", "host",
         "--netpass-source-tap", "tap-sb", "--netpass-destination-tap", "tap-sb", "--netpass-source-netns",
         p.source().ns(), "--netpass-destination-netns", p.destination().ns(),
         // Hook commands as a production run gives them (`ssh host failover-netpass`): a shell command line
         // the arguments are appended to.
         "--netpass-source-cmd", std::string("env NF_HOOK=source ") + NF_NETPASS_BINARY,
         "--netpass-destination-cmd", std::string("exec ") + NF_NETPASS_BINARY, "--netpass-listen", "127.0.0.1:0",
         "--netpass-peer", "127.0.0.1"});
    ASSERT_EQ(run.status, 0) << run.out << run.err;
    const auto out = run.json();
    EXPECT_EQ(out["result"], "migrated");
    const auto& n = out["netpass"];
    ASSERT_TRUE(n.is_object()) << out.dump(2);
    EXPECT_EQ(n["mode"], "host");
    // QEMU never reads a tap of a VM without a driver: its queue filled long ago, so what the switchover
    // would lose is everything from the STOP on. Kept on the source, every one of them injected first on the
    // destination, with what the bridge still sent to the source after (forwarded).
    EXPECT_GT(n["kept"].get<int>(), 0) << n.dump(2);
    EXPECT_EQ(n["injected"].get<int>(), n["kept"].get<int>() + n["forwarded"].get<int>()) << n.dump(2);
    EXPECT_EQ(n["dropped"], 0) << n.dump(2);
    EXPECT_EQ(n["source"]["outcome"], "done");
    EXPECT_EQ(n["destination"]["outcome"], "done");
    EXPECT_GT(stream.sent(), 0);
    if (const char* path = std::getenv("NF_NETPASS_RESULTS")) {  // scripts/netpass-compare
        if (FILE* f = std::fopen(path, "a")) {
            const nlohmann::json line{{"qemu", true}, {"netpass", n}, {"downtime_ms", out["migration"].value("downtime", 0)}};
            std::fprintf(f, "%s\n", line.dump().c_str());
            std::fclose(f);
        }
    }
    // Started before `migrate`, armed on QEMU's STOP, resumed at the switch, finished as the destination runs.
    EXPECT_EQ(timeline_names(out, "note"), (Strings{"netpass-armed", "switched", "netpass-resumed"}));
    const auto steps = timeline_names(out, "step", "ok");
    // Finished once the destination runs, before the VF comes back (the hold orders the standby's path only),
    // and after the source's filter is released (it steers the VM's frames to the stopped source).
    const auto finish = std::find(steps.begin(), steps.end(), "netpass-finish");
    ASSERT_NE(finish, steps.end());
    EXPECT_EQ(*std::prev(finish), "release-source-filter");
    EXPECT_EQ(*std::prev(finish, 2), "migrate");
    for (const auto& ns : {p.source().ns(), p.destination().ns()})
        EXPECT_EQ(programs_on(ns).find("np_egress"), std::string::npos) << programs_on(ns);
}

TEST(MigrateQemuNetpass, HostNetpassWithoutTapsIsRefused) {
    QemuPair p;
    p.source().start({});
    p.destination().start({.incoming = true});
    const MigrateRun run = run_migrate({"--source", p.source().qmp_address(), "--destination",
                                        p.destination().qmp_address(), "--uri", p.destination().migration_uri(),
                                        "--primary-device", primary_device_json(), "--netpass", "host"});
    EXPECT_EQ(run.status, 3) << run.out << run.err;
    EXPECT_NE(run.err.find("--netpass host needs the taps"), std::string::npos) << run.err;
    // QEMU 7.2 has no netpass capability: vmm is refused too.
    const MigrateRun vmm = run_migrate({"--source", p.source().qmp_address(), "--destination",
                                        p.destination().qmp_address(), "--uri", p.destination().migration_uri(),
                                        "--primary-device", primary_device_json(), "--netpass", "vmm"});
    EXPECT_EQ(vmm.status, 3) << vmm.out << vmm.err;
    EXPECT_NE(vmm.err.find("do not both offer the 'netpass' capability"), std::string::npos) << vmm.err;
}

TEST(MigrateQemuNetpass, AHalfThatCannotAttachRollsBackAndLeavesNothing) {
    QemuPair p;
    p.source().start({});
    p.destination().start({.incoming = true});
    const MigrateRun run = run_migrate(
        {"--source", p.source().qmp_address(), "--destination", p.destination().qmp_address(), "--uri",
         p.destination().migration_uri(), "--primary-device", primary_device_json(), "--json",
         "--netpass-source-tap", "tap-sb", "--netpass-destination-tap", "no-such-tap", "--netpass-source-netns",
         p.source().ns(), "--netpass-destination-netns", p.destination().ns()});
    EXPECT_EQ(run.status, 1) << run.out << run.err;
    const auto out = run.json();
    EXPECT_EQ(out["failed-step"], "netpass-start");
    EXPECT_NE(out["error"].get<std::string>().find("no device 'no-such-tap'"), std::string::npos) << out["error"];
    auto src = p.source().qmp();
    EXPECT_EQ(run_state(src), "running");
    EXPECT_EQ(programs_on(p.source().ns()).find("np_egress"), std::string::npos);
}

// Ctrl-C while migrating (a migration slowed to a crawl): the run rolls back, the halves are aborted and
// detached on both hosts, the source VM runs again.
TEST(MigrateQemuNetpass, SigtermWhileMigratingAbortsTheHalvesAndLeavesNothing) {
    QemuPair p;
    p.source().start({});
    p.destination().start({.incoming = true});
    {
        auto src = p.source().qmp();  // QEMU serves one client per socket: released before the run
        src.execute_ok("migrate-set-parameters", {{"max-bandwidth", 4096}});
    }
    Stream stream(p.source().ns());
    const MigrateRun run = run_migrate_terminated(
        {"--source", p.source().qmp_address(), "--destination", p.destination().qmp_address(), "--uri",
         p.destination().migration_uri(), "--primary-device", primary_device_json(), "--json", "--netpass", "host",
         "--netpass-source-tap", "tap-sb", "--netpass-destination-tap", "tap-sb", "--netpass-source-netns",
         p.source().ns(), "--netpass-destination-netns", p.destination().ns()},
        2000ms);
    ASSERT_EQ(run.status, 1) << run.out << run.err;
    const auto out = run.json();
    EXPECT_EQ(out["failed-step"], "migrate");
    EXPECT_EQ(out["error"], "cancelled by the user (signal)");
    EXPECT_EQ(out["netpass"]["aborted"], true) << out["netpass"].dump(2);
    EXPECT_EQ(out["netpass"]["source"]["outcome"], "aborted") << out["netpass"].dump(2);
    EXPECT_EQ(out["netpass"]["destination"]["outcome"], "aborted") << out["netpass"].dump(2);
    auto src = p.source().qmp();
    EXPECT_EQ(run_state(src), "running");
    for (const auto& ns : {p.source().ns(), p.destination().ns()})
        EXPECT_EQ(programs_on(ns).find("np_egress"), std::string::npos) << programs_on(ns);
}

}  // namespace
}  // namespace nf::orchestrator::test
