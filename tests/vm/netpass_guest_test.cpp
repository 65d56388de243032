// Host netpass (failover-migrate --netpass host, issue 11) with a real guest under stock QEMU (Debian's
// 7.2, TCG): one booted guest (failoverd bpf/3dev) is live-migrated A -> B with --netpass off, then B -> A
// with --netpass host, each time under a 1 kHz stream of numbered UDP datagrams each way (guest_stream.h:
// the lab's sender in this process and failover-traffic in the guest, and the reverse). The outage toward
// the guest is timed on the host by a ping every 10 ms beside the stream (its replies, host clock; iputils
// ping itself cannot keep 1 kHz on a loaded machine, and slows down while unanswered). The window starts with both streams flowing, the VF already unplugged:
// a VF's unplug in real QEMU has no eject handshake and loses what was in flight on it (loss_bounds.h),
// which is failoverd's figure, not the switchover's. It ends 2 s after failoverd on the destination has
// made the re-plugged VF active; the stream toward the guest ends when failover-migrate returns (the
// switchover and netpass are over; the re-plug that follows moves the guest to the VF, measured by failoverd's
// own tests).
//
// What must hold with --netpass host: the migration completes with failover-netpass on both taps (kept
// and forwarded frames, none dropped), nothing of it is left on the taps, nothing is lost the other way, and
// toward the guest nothing is reordered or doubled and at most kMaxStoppedQemuTook frames are lost: those the
// stopped source QEMU itself took from its tap (below). What left each standby tap toward its QEMU is
// captured (tap_capture.h): the destination's tap must hand its QEMU every datagram from the source tap's
// last one on, in order. Without netpass the loss is held to stock QEMU's bound (downtime x rate + 1 s).
//
// How it got there (issue 11; single runs, loaded 2-core machine, without -> with): kept TCP/UDP frames
// carried the host's partial checksum and the guest dropped every injected datagram (src/netpass/
// checksum.h; lost 409 -> 406). Then lost 266 -> 275, 161 -> 15 (reordered 0 -> 215): the captures showed
// the destination tap dropped nothing, and its gaps were the frames the bridge sent to the re-plugged VF's
// tap, because failover-migrate's announce-self also announced the emulated primary (same MAC) every 100 ms
// while the guest did not use it yet (what the e1000e queued arrived late: the reordering); and the source
// half counted those flooded RARPs as "still forwarding", so the destination held its frames ~800 ms. Fixed
// in failover-migrate (announce from the standby, netpass finished before the VF returns) and
// failover-netpass (group-addressed frames pass): lost 145..151 -> 1, reordered 0 -> 0 (4 runs).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "guest_failoverd.h"
#include "guest_fixture.h"
#include "guest_stream.h"
#include "lab/traffic/clock.h"
#include "tap_capture.h"

namespace nf::vmtest {
namespace {

using Millis = std::chrono::milliseconds;

constexpr double kStreamRate = 1000;       // 1 kHz, as the comparison and the lab's
constexpr double kPingInterval10ms = 0.01;  // the outage probe toward the guest
// Stock QEMU without netpass: beyond the paused time, the frames sent to the old port until the bridge
// learns the new one from QEMU's first RARP (announce-initial, 50 ms) or the guest's own frames. 1 s at
// 1 kHz catches a migration that does not switch at all, with room for a loaded 2-core machine.
constexpr int kMaxLossBeyondDowntime = 1000;
// Stock QEMU 7.2 with --netpass host: the frames the source QEMU took from its tap and never gave the guest.
// Its tap stops being read only while one frame waits in QEMU's own queue (virtio had no rx buffer, or the VM
// is stopped); at the stop QEMU purges that queue, re-enables the read, takes one more frame into the queue
// and keeps it (net/net.c, net/tap.c). The tap counts both as read, so failover-netpass cannot tell them from
// the frames the guest got: at most 2, measured 1 (docs/scenarios-qemu.md, "host netpass with a real guest").
constexpr std::uint64_t kMaxStoppedQemuTook = 2;

struct NetpassRun {
    std::string netpass;  // "off", "host"
    StreamFigures to_guest, from_guest;
    PingSummary ping;  // host -> guest every 10 ms: the outage toward the guest
    MigrationReport report;
    double settle_s = 0;
    double migrate_wall_s = 0;  // CLOCK_REALTIME when failover-migrate started (ping -D's clock)
    // What left each standby tap toward its QEMU during failover-migrate (tap_capture.h), and the taps' counts.
    TapOrder source_tap, destination_tap;
    std::string taps;

    std::string describe() const {
        char head[160];
        std::snprintf(head, sizeof head, "stock QEMU, --netpass %s: downtime %.0f ms, settled %.2f s; ", netpass.c_str(),
                      report.downtime_ms, settle_s);
        return head + std::string("host -> guest ") + to_guest.describe() + " (ping: " + ping.describe() + ", outage " +
               std::to_string(static_cast<int>(ping.outage_ms())) + " ms); guest -> host " + from_guest.describe() +
               lost_when();
    }

    // Where the unanswered pings fall on failover-migrate's timeline: each run of them after the reply
    // before it, in ms since failover-migrate started (to set against its STOP/RESUME events).
    std::string lost_when() const {
        if (ping.missing.empty()) return "";
        std::string out = "; pings unanswered at";
        for (std::size_t i = 0, runs = 0; i < ping.missing.size() && runs < 8; ++runs) {
            std::size_t j = i;
            while (j + 1 < ping.missing.size() && ping.missing[j + 1] == ping.missing[j] + 1) ++j;
            const auto before = ping.reply_at.lower_bound(ping.missing[i]);
            char part[96];
            if (before != ping.reply_at.begin())
                std::snprintf(part, sizeof part, " %d-%d (+%.0f ms)", ping.missing[i], ping.missing[j],
                              (std::prev(before)->second - migrate_wall_s) * 1000);
            else
                std::snprintf(part, sizeof part, " %d-%d", ping.missing[i], ping.missing[j]);
            out += part;
            i = j + 1;
        }
        return out;
    }
};

// One JSON line per run into $NF_VM_RESULTS, for scripts/compare's netpass table.
void record_run(const NetpassRun& r) {
    const char* path = std::getenv("NF_VM_RESULTS");
    if (!path || !*path) return;
    nlohmann::json j = {
        {"netpass_vm", true},
        {"netpass", r.netpass},
        {"to_guest", {{"sent", r.to_guest.sent}, {"lost", r.to_guest.lost}, {"reordered", r.to_guest.reordered},
                      {"duplicated", r.to_guest.duplicated}, {"outage_ms", r.ping.outage_ms()}}},
        {"from_guest", {{"sent", r.from_guest.sent}, {"lost", r.from_guest.lost}, {"reordered", r.from_guest.reordered},
                        {"duplicated", r.from_guest.duplicated}, {"outage_ms", r.from_guest.outage_ms()}}},
        {"destination_tap", {{"first", r.destination_tap.first}, {"last", r.destination_tap.last},
                             {"missing", r.destination_tap.missing}, {"behind", r.destination_tap.behind}}},
        {"source_tap_last", r.source_tap.last},
        {"downtime_ms", r.report.downtime_ms},
        {"seconds", r.report.seconds},
        {"settle_s", r.settle_s}};
    if (r.report.output.is_object() && r.report.output.contains("netpass")) j["report"] = r.report.output["netpass"];
    std::ofstream(path, std::ios::app) << j.dump() << "\n";
}

std::string netpass_programs(const std::string& netns) {
    return sh("nsenter --net=/run/netns/" + netns + " bpftool net show 2>&1");
}

class NetpassGuest : public GuestSuite {
protected:
    static void SetUpTestSuite() { boot(GuestKind::failoverd, true); }
    static void TearDownTestSuite() { shutdown(); }

    void TearDown() override {
        if (vm_ && failoverd_.running()) {
            if (HasFailure()) std::cout << "---- failoverd log ----\n" << GuestFailoverd::log_tail(*vm_);
            failoverd_.stop(*vm_);
        }
        GuestSuite::TearDown();
    }

    // The guest migrated from vm() to a fresh destination under the streams; afterwards vm() is the
    // destination (also when a later step fails, once the guest has moved).
    void migrate_under_streams(const std::string& netpass, NetpassRun& run) {
        run.netpass = netpass;
        vm().unplug_primary();
        ASSERT_TRUE(wait_until([] { return GuestFailoverd::primary_gone(vm()); }, Millis(30000), Millis(300)))
            << GuestFailoverd::status(vm()).dump();
        std::unique_ptr<QemuVm> destination = start_destination(vm(), net(), MigrateHow::failover_migrate);
        QemuVm* dst = destination.get();
        bool moved = false;
        // Once the guest has moved, vm() is the destination whatever happens next; the source (paused,
        // postmigrate) goes with its taps.
        struct AdoptOnExit {
            std::unique_ptr<QemuVm>& destination;
            const bool& moved;
            ~AdoptOnExit() {
                if (moved && destination) vm_ = std::move(destination);
            }
        } adopt{destination, moved};

        HostPing ping(net().netns(), kGuestIp, dst->run_dir() + "/hping-10ms", kPingInterval10ms);
        GuestToHostStream from_guest(vm(), net().netns(), kStreamRate);
        ASSERT_TRUE(wait_until([&] { return ping.read().answered >= 50 && from_guest.received() >= 500; },
                               Millis(30000), Millis(500)))
            << "the streams do not flow: ping " << ping.read().describe() << "; guest -> host "
            << from_guest.received() << " datagrams";
        // The window: the stream toward the guest counts from its first datagram.
        const int ping_from = ping.read().last_answered_seq;
        from_guest.mark();
        HostToGuestStream to_guest(vm(), net().netns(), kStreamRate);
        ASSERT_TRUE(wait_until([&] { return to_guest.sent() >= 300; }, Millis(10000), Millis(100)));

        std::vector<std::string> args = {"--netpass", netpass};
        if (netpass == "host")
            args.insert(args.end(), {"--netpass-source-tap", vm().standby_tap(), "--netpass-destination-tap",
                                     dst->standby_tap(), "--netpass-source-netns", net().netns(),
                                     "--netpass-destination-netns", net().netns()});
        const TapCounters src_before = tap_counters(net().netns(), vm().standby_tap());
        const TapCounters dst_before = tap_counters(net().netns(), dst->standby_tap());
        TapCapture src_cap(net().netns(), vm().standby_tap(), HostToGuestStream::kPort);
        TapCapture dst_cap(net().netns(), dst->standby_tap(), HostToGuestStream::kPort);
        const std::int64_t origin = lab::monotonic_ns();
        const auto started = std::chrono::steady_clock::now();
        run.migrate_wall_s = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
        run.report = migrate(vm(), *dst, net(), MigrateHow::failover_migrate, Millis(180000), args);
        moved = run.report.ok();
        std::cout << "[vm] " << run.report.describe() << "\n" << run.report.timeline_text() << std::flush;
        // The stream toward the guest ends with the migration command (netpass finished before it returns):
        // its figures are the switchover's. failoverd's move to the re-plugged VF follows (seconds later
        // under TCG), when frames the bridge then sends to the VF overtake those still queued on the slower
        // virtio path: that is failoverd's figure, not the switchover's.
        to_guest.stop_sending();
        std::this_thread::sleep_for(Millis(300));
        {
            const auto s_seen = src_cap.stop();
            const auto d_seen = dst_cap.stop();
            const TapCounters src_after = tap_counters(net().netns(), vm().standby_tap());
            const TapCounters dst_after = tap_counters(net().netns(), dst->standby_tap());
            run.source_tap = tap_order(s_seen);
            run.destination_tap = tap_order(d_seen);
            run.taps = "source tap: " + describe_order(s_seen, origin) + "; frames " + std::to_string(src_cap.frames()) +
                       ", read by QEMU " + std::to_string(src_after.tx_packets - src_before.tx_packets) + ", dropped " +
                       std::to_string(src_after.tx_dropped - src_before.tx_dropped) + "\ndestination tap: " +
                       describe_order(d_seen, origin) + "; frames " + std::to_string(dst_cap.frames()) +
                       ", read by QEMU " + std::to_string(dst_after.tx_packets - dst_before.tx_packets) + ", dropped " +
                       std::to_string(dst_after.tx_dropped - dst_before.tx_dropped) + " (capture missed " +
                       std::to_string(src_cap.missed() + dst_cap.missed()) + ")";
            std::cout << "[vm] " << run.taps << "\n";
        }
        ASSERT_TRUE(moved) << run.report.describe();
        from_guest.moved_to(*dst);
        to_guest.moved_to(*dst);
        const bool settled = wait_until([&] { return GuestFailoverd::active_is(*dst, "primary"); }, Millis(60000), Millis(300));
        run.settle_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        // 2 s of stream after the settle point (bounded: a stream that does not flow again is a failure below).
        const int at_settle = ping.read().answered;
        const std::uint64_t received_at_settle = from_guest.received();
        const bool flowing = wait_until(
            [&] { return ping.read().answered >= at_settle + 150 && from_guest.received() >= received_at_settle + 2000; },
            Millis(30000), Millis(500));
        run.to_guest = to_guest.stop();
        run.ping = ping.stop(ping_from);
        run.from_guest = from_guest.stop();
        std::cout << "[vm] " << run.describe() << std::endl;
        for (const auto& [seq, after] : run.from_guest.lost_after)
            std::cout << "[diag] guest -> host: " << seq << " lost, after a datagram at +" << (after - origin) / 1000000
                      << " ms (failover-migrate's clock: about the same origin)\n";
        record_run(run);
        EXPECT_TRUE(settled) << "failoverd on the destination did not make the VF active: "
                             << GuestFailoverd::status(*dst).dump();
        EXPECT_TRUE(flowing) << "the streams did not flow again: " << run.describe();
        EXPECT_EQ(dst->qmp().execute_ok("query-status").value("status", ""), "running");
    }

    void on_guest_rebooted() override { failoverd_ = GuestFailoverd{}; }

    void compare();

    static inline GuestFailoverd failoverd_;
};

TEST_F(NetpassGuest, StockQemuWithoutAndWithHostNetpass) {
    retry_on_guest_crash([&] { compare(); });
}

void NetpassGuest::compare() {
    ASSERT_NO_FATAL_FAILURE(failoverd_.start(vm(), "--match-driver virtio_net --datapath bpf --model 3dev",
                                             "did not make the primary active"));
    vm().run_ok(std::string("/bin/ip addr add ") + kGuestIp + "/24 dev eth0 && /bin/ip link set eth0 up");
    ASSERT_TRUE(wait_guest_reaches_host()) << "the guest cannot reach " << kHostIp << " within 30 s";

    // The stream toward the guest runs from 300 frames sent until failover-migrate returns: at least half
    // of what that span carries at kStreamRate must arrive, or it did not flow across the switchover. (A
    // fixed count does not hold: an idle machine migrates in ~1.2 s, and delivered 1348 of a 2000 bound.)
    const auto spanning = [](const NetpassRun& run) {
        return static_cast<std::uint64_t>((300 + run.report.seconds * kStreamRate) / 2);
    };

    // A -> B, stock QEMU as it is.
    NetpassRun without;
    ASSERT_NO_FATAL_FAILURE(migrate_under_streams("off", without));
    EXPECT_EQ(without.report.output.value("result", ""), "migrated") << without.report.output.dump();
    const int paused = without.report.downtime_ms > 0 ? static_cast<int>(std::ceil(without.report.downtime_ms)) : 0;
    EXPECT_LE(without.to_guest.lost, static_cast<std::uint64_t>(paused + kMaxLossBeyondDowntime)) << without.describe();
    EXPECT_GE(without.to_guest.delivered, spanning(without)) << "the stream must span the switchover: " << without.describe();

    // B -> A with the frames kept and passed on by failover-netpass on the standby's taps.
    NetpassRun with;
    ASSERT_NO_FATAL_FAILURE(migrate_under_streams("host", with));
    const auto& n = with.report.output.contains("netpass") ? with.report.output["netpass"] : nlohmann::json();
    ASSERT_TRUE(n.is_object()) << with.report.output.dump(2);
    EXPECT_EQ(n.value("mode", ""), "host") << n.dump(2);
    EXPECT_EQ(n.value("dropped", -1), 0) << n.dump(2);
    EXPECT_GT(n.value("kept", 0) + n.value("forwarded", 0), 0) << "frames reached the stopped source: " << n.dump(2);
    // Toward the guest: nothing reordered or doubled, and lost only what the stopped source QEMU itself took
    // from its tap (kMaxStoppedQemuTook). The destination's tap handed its QEMU every datagram from the
    // source's last one on, in order (what failover-netpass injected, then what it held, then the rest).
    EXPECT_LE(with.to_guest.lost, kMaxStoppedQemuTook) << with.describe() << "\n" << with.taps << "\n" << n.dump(2);
    EXPECT_EQ(with.to_guest.reordered, 0u) << with.describe() << "\n" << with.taps << "\n" << n.dump(2);
    EXPECT_EQ(with.to_guest.duplicated, 0u) << with.describe() << "\n" << with.taps;
    EXPECT_EQ(with.destination_tap.behind, 0u) << with.taps;
    EXPECT_EQ(with.destination_tap.missing, 0u) << with.taps;
    EXPECT_GT(with.destination_tap.count, 0u) << with.taps;
    EXPECT_LE(with.destination_tap.first, with.source_tap.last + 1) << "a gap between the taps: " << with.taps;
    EXPECT_GE(with.to_guest.delivered, spanning(with)) << "the stream must span the switchover: " << with.describe();
    // Guest -> host has no netpass on it (the guest's frames wait in its own virtio ring, which migrates): stock
    // QEMU 7.2 under TCG lost one datagram that way in 2 of 7 runs, within the same stop's bound, never
    // reordered; where it fell on the timeline is printed above (lost_after).
    EXPECT_LE(with.from_guest.lost, kMaxStoppedQemuTook) << with.describe();
    EXPECT_EQ(with.from_guest.reordered, 0u) << with.describe();
    EXPECT_EQ(netpass_programs(net().netns()).find("np_"), std::string::npos)
        << "failover-netpass left a program on a tap:\n" << netpass_programs(net().netns());
}

}  // namespace
}  // namespace nf::vmtest
