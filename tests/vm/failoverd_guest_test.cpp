// failoverd inside a real Debian guest under QEMU (failover=off: the kernel makes no master). failoverd
// finds the standby by its driver (virtio_net), pairs the e1000e (same MAC) with it and must lose at most
// one packet at 20/s, each way, when the VF is plugged again (device_add) after an unplug (device_del).
// Each datapath x model runs on the same booted guest: failoverd is started, measured and stopped (SIGTERM
// must give the standby its name back) in turn. The Migrate* tests move that guest to a second QEMU
// (tests/vm/migrate.h); the suite's later tests run on the destination.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <time.h>

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "guest_failoverd.h"
#include "guest_fixture.h"
#include "loss_bounds.h"

namespace nf::vmtest {
namespace {

using Millis = std::chrono::milliseconds;

// Migration with failover-migrate --netpass off, failover=off: the VF's unplug has the same missing eject
// handshake as an unplug (loss_bounds.h; 0-5 lost per direction), and stock QEMU 7.2 passes nothing on: the
// host's requests sent while the guest is paused for stop-and-copy (QEMU's downtime, 100-450 ms under TCG) or
// before the bridge has learnt the destination's port are lost; re-plug on the destination loses none
// (failoverd waits for the e1000e's carrier). Measured 6-19 host -> guest (19 with a 673 ms downtime at a
// load average of ~9), 1-3 guest -> host; the kernel's net_failover loses 35-55 (1.5-2.8 s) on the same
// migration. The bound is what QEMU's reported pause explains (downtime at 20/s) plus 20 (1 s): it catches a
// failoverd that does not switch on either side of the migration (that costs seconds, as the kernel shows).
// make test runs the migration with host netpass (below); this one is make compare's row without it.
constexpr int kMaxMigrateLoss = 20;
// failover-migrate --netpass host (and a source filter moving the host's frames to the standby before the
// unplug): what reaches the stopped source's tap is kept and handed to the destination's QEMU first
// (tests/vm/netpass_guest_test.cpp). The loss is split on failover-migrate's timeline:
// - the switchover, from the source's STOP to the destination's plug-primary, is held to the issue's
//   target, 1 per direction at 20/s: measured 0 each way in every run (12 migrations, IPv6 on and off);
// - before it, the VF's unplug, to the unplug's bound (loss_bounds.h: failoverd switches at the first uevent
//   of the e1000e's removal, before the driver stops sending; 1-5 were lost when it waited for the netdev);
// - after it, the VF's re-plug on the destination, held to the target too: QEMU's own announcement
//   after the migration (a RARP from every NIC it emulates, 800 ms of rounds) used to include the e1000e
//   plugged ~250 ms into it, so the bridge sent the host's next request to the VF's tap while the guest
//   was still probing the e1000e: 0-2 lost toward the guest (0-1 in 7 migrations measured before the fix,
//   every one with 2 RARPs from the VF's tap after device_add). failover-migrate now plugs an emulated
//   primary after that announcement (docs/scenarios-qemu.md): 0 each way in 10 migrations (5 IPv6 on,
//   5 off), 0 RARPs from the VF's tap. The bound also catches a failoverd that leaves the standby path.
constexpr int kMaxNetpassSwitchoverLoss = 1;
constexpr int kMaxMigrateReplugLoss = 1;

class FailoverdGuest : public GuestSuite {
protected:
    void TearDown() override {
        if (vm_ && failoverd_.running()) {
            if (HasFailure()) std::cout << "---- failoverd log ----\n" << GuestFailoverd::log_tail(*vm_);
            stop_failoverd();
        }
        GuestSuite::TearDown();
    }

    // failoverctl status --json in the guest (in `on`: a migration destination); null when it does not answer.
    static nlohmann::json status(QemuVm& on = vm()) { return GuestFailoverd::status(on); }
    static bool active_is(const std::string& slot, QemuVm& on = vm()) { return GuestFailoverd::active_is(on, slot); }
    bool primary_gone() { return GuestFailoverd::primary_gone(vm()); }

    void start_failoverd(const std::string& datapath, const std::string& model) {
        ASSERT_NO_FATAL_FAILURE(failoverd_.start(vm(), "--match-driver virtio_net --datapath " + datapath + " --model " + model,
                                                 "did not make the primary active"));
        const auto s = status();
        EXPECT_EQ(s.value("master", ""), "eth0") << "the master takes the standby's name";
        EXPECT_EQ(s.value("datapath", ""), datapath);
        EXPECT_EQ(s.value("model", ""), model);
        vm().run_ok(std::string("/bin/ip addr add ") + kGuestIp + "/24 dev eth0 && /bin/ip link set eth0 up");
        ASSERT_TRUE(wait_guest_reaches_host()) << "the guest cannot reach " << kHostIp << " within 30 s";
    }

    void stop_failoverd() {
        failoverd_.stop(vm());
        // The standby has its name back and nothing of failoverd's is left.
        EXPECT_EQ(vm().run("readlink /sys/class/net/eth0/device/driver | sed 's|.*/||'").output, "virtio_net\n");
        EXPECT_NE(vm().run("/bin/ip link show eth0fo").status, 0) << "3dev holder bridge left behind";
    }

    void scenario(const std::string& datapath, const std::string& model) {
        const std::string guest = "failoverd " + datapath + "/" + model;
        ASSERT_NO_FATAL_FAILURE(start_failoverd(datapath, model));

        PhaseSpec boot{guest, ipv6(), "boot"};
        const PhaseResult booted = run_phase(vm(), net(), boot);
        EXPECT_EQ(booted.to_guest.lost(), 0) << booted.describe();
        EXPECT_EQ(booted.to_host.lost(), 0) << booted.describe();
        EXPECT_EQ(booted.host_port_after, vm().primary_tap()) << "traffic must go through the VF";

        PhaseSpec unplug{guest, ipv6(), "unplug"};
        unplug.action = [&] { vm().unplug_primary(); };
        unplug.settled = [&] { return primary_gone(); };
        const PhaseResult unplugged = run_phase(vm(), net(), unplug);
        EXPECT_LE(unplugged.to_guest.lost(), kMaxUnplugLoss) << unplugged.describe();
        EXPECT_LE(unplugged.to_host.lost(), kMaxUnplugLoss) << unplugged.describe();
        EXPECT_EQ(unplugged.host_port_after, vm().standby_tap()) << "traffic must go through the virtio standby";
        // The unplug was seen coming (the e1000e's PTP clock removed under its PCI function) before the netdev
        // went: TX moved while the driver was tearing down, not after.
        const auto after_unplug = status();
        EXPECT_TRUE(after_unplug["uevents"].value("listening", false)) << after_unplug.dump();
        EXPECT_GE(after_unplug["counters"].value("primary_leaving", 0), 1) << after_unplug.dump();
        // The switch announced the addresses failoverd keeps: a lookup there would wait on the rtnl lock that
        // the driver's removal holds (58-100 ms measured under TCG), the announcement with it.
        EXPECT_EQ(after_unplug["announce"].value("address_lookups_at_switch", -1), 0) << after_unplug.dump();
        expect_switch_inside_driver_removal(after_unplug);

        PhaseSpec replug{guest, ipv6(), "replug"};
        replug.action = [&] { vm().plug_primary(); };
        replug.settled = [&] { return active_is("primary"); };
        const PhaseResult replugged = run_phase(vm(), net(), replug);
        EXPECT_LE(replugged.to_guest.lost(), kMaxReplugLoss) << replugged.describe();
        EXPECT_LE(replugged.to_host.lost(), kMaxReplugLoss) << replugged.describe();
        EXPECT_EQ(replugged.host_port_after, vm().primary_tap()) << "traffic must go through the VF again";

        const auto s = status();
        EXPECT_GE(s["counters"].value("failovers", 0), 2) << s.dump();
    }

    // The guest migrated to a second QEMU under pings both ways, failoverd (bpf/3dev) running in it: the
    // destination must run with the VF active. failover-migrate --netpass host is held to kMaxNetpassSwitchoverLoss (and the bounds beside it),
    // --netpass off to kMaxMigrateLoss; the manual script order is measured for `make compare`.
    void migration(MigrateHow how) {
        const std::string guest = "failoverd bpf/3dev";
        ASSERT_NO_FATAL_FAILURE(start_failoverd("bpf", "3dev"));
        MigrationReport report;
        const PhaseResult r = migrate_phase(guest, how, [](QemuVm& on) { return active_is("primary", on); }, report);
        EXPECT_EQ(report.exit_code, 0) << report.describe();
        if (runs_failover_migrate(how)) {
            EXPECT_EQ(report.output.value("result", ""), "migrated") << report.output.dump();
        }
        EXPECT_EQ(vm().qmp().execute_ok("query-status").value("status", ""), "running");
        EXPECT_TRUE(active_is("primary")) << status().dump();
        EXPECT_EQ(r.host_port_after, vm().primary_tap()) << "traffic must go through the destination's VF";
        if (how == MigrateHow::failover_migrate) {
            const int paused = report.downtime_ms > 0
                                   ? static_cast<int>(std::ceil(report.downtime_ms / (kPingInterval * 1000)))
                                   : 0;
            EXPECT_LE(r.to_guest.lost(), kMaxMigrateLoss + paused) << r.describe() << "; " << report.describe();
            EXPECT_LE(r.to_host.lost(), kMaxMigrateLoss + paused) << r.describe() << "; " << report.describe();
        }
        if (how == MigrateHow::failover_migrate_host_netpass) {
            const auto& n = report.output.contains("netpass") ? report.output["netpass"] : nlohmann::json();
            ASSERT_TRUE(n.is_object()) << report.output.dump(2);
            EXPECT_EQ(n.value("mode", ""), "host") << n.dump(2);
            EXPECT_EQ(n.value("dropped", -1), 0) << n.dump(2);
            // The loss split on failover-migrate's timeline (guest_fixture.cpp): the switchover (the source's
            // STOP to the destination's plug-primary) is held to the target, the VF's unplug before it and its
            // re-plug after it to their bounds.
            const auto& d = r.details;
            ASSERT_TRUE(d.contains("to_guest_lost_switchover")) << "no STOP on the timeline: " << report.timeline_text();
            const std::string why = r.describe() + "; " + report.describe() + "; " + d.dump() + "\n" +
                                    report.timeline_text() + n.dump(2);
            EXPECT_LE(d.value("to_guest_lost_switchover", -1), kMaxNetpassSwitchoverLoss) << why;
            EXPECT_LE(d.value("to_host_lost_switchover", -1), kMaxNetpassSwitchoverLoss) << why;
            EXPECT_LE(d.value("to_guest_lost_unplug", -1), kMaxUnplugLoss) << why;
            EXPECT_LE(d.value("to_host_lost_unplug", -1), kMaxUnplugLoss) << why;
            EXPECT_LE(d.value("to_guest_lost_replug", -1), kMaxMigrateReplugLoss) << why;
            EXPECT_LE(d.value("to_host_lost_replug", -1), kMaxMigrateReplugLoss) << why;
            EXPECT_EQ(sh("nsenter --net=/run/netns/" + net().netns() + " bpftool net show 2>&1").find("np_"),
                      std::string::npos)
                << "failover-netpass left a program on a tap";
        }
    }

    void on_guest_rebooted() override { failoverd_ = GuestFailoverd{}; }

    // The guest kernel's log of the e1000e's removal against failoverd's switch: e1000e_remove removes the
    // PTP clock ("removed PHC"), stops sending, and only ~70 ms later (TCG) unregisters the netdev ("NIC Link
    // is Down"). The switch must fall between the two. failoverd's status has when its last switch reached the
    // datapath (wall clock); its log goes into the kernel's log (GuestFailoverd::start), each line with its
    // wall-clock time and the kernel's stamp of its write, which puts the wall clock on the kernel's (the
    // smallest difference: a write can only be late). (The uevent that moved TX is sent inside
    // ptp_clock_unregister; "removed PHC" is printed after it returns.)
    static void expect_switch_inside_driver_removal(const nlohmann::json& status) {
        ASSERT_TRUE(status["switch"]["last_at_unix_us"].is_number()) << status.dump();
        const double switched_unix = status["switch"]["last_at_unix_us"].get<double>() / 1e6;
        const std::string out = vm().run_ok("dmesg | grep -E 'removed PHC|NIC Link is Down| failoverd ' | tail -n 80");
        double phc = -1, down = -1;
        std::optional<double> offset;  // kernel clock - wall clock
        std::string leaving_line;
        std::istringstream lines(out);
        for (std::string line; std::getline(lines, line);) {
            const auto open = line.find('['), close = line.find("] ");
            if (open == std::string::npos || close == std::string::npos) continue;
            const double stamp = std::strtod(line.c_str() + open + 1, nullptr);
            if (line.find("removed PHC") != std::string::npos) phc = stamp;
            if (line.find("NIC Link is Down") != std::string::npos) down = stamp;
            if (line.find(" failoverd ") == std::string::npos) continue;
            if (line.find("is leaving") != std::string::npos) leaving_line = line;
            // "[   11.869137] 2026-12-05T18:50:01.102081 failoverd info: ...", the guest's time zone UTC.
            std::tm tm{};
            std::istringstream when(line.substr(close + 2, 19));
            when >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
            if (when.fail() || line.size() < close + 2 + 26) continue;
            const double wall = static_cast<double>(::timegm(&tm)) + std::strtod(line.c_str() + close + 2 + 19, nullptr);
            if (!offset || stamp - wall < *offset) offset = stamp - wall;
        }
        ASSERT_TRUE(phc >= 0 && down >= 0 && offset && !leaving_line.empty()) << out;
        const double switched = switched_unix + *offset;
        std::cout << "guest kernel clock: removed PHC " << phc << " s, failoverd's switch " << switched
                  << " s, NIC Link is Down " << down << " s\n  " << leaving_line << "\n";
        EXPECT_LT(phc, down) << out;
        EXPECT_LT(switched, down) << "the switch came only after the netdev went down\n" << out;
        EXPECT_GT(switched, phc - 0.050) << "the switch came before the driver's removal\n" << out;
    }

    GuestFailoverd failoverd_;
};

class FailoverdGuestIpv6 : public FailoverdGuest {
protected:
    static void SetUpTestSuite() { boot(GuestKind::failoverd, true); }
    static void TearDownTestSuite() { shutdown(); }
};

TEST_F(FailoverdGuestIpv6, Bpf3dev) {
    retry_on_guest_crash([&] { scenario("bpf", "3dev"); });
}
TEST_F(FailoverdGuestIpv6, BpfHidden) {
    retry_on_guest_crash([&] { scenario("bpf", "hidden"); });
}
TEST_F(FailoverdGuestIpv6, Packet3dev) {
    retry_on_guest_crash([&] { scenario("packet", "3dev"); });
}
TEST_F(FailoverdGuestIpv6, PacketHidden) {
    retry_on_guest_crash([&] { scenario("packet", "hidden"); });
}
TEST_F(FailoverdGuestIpv6, MigrateWithHostNetpass) {
    retry_on_guest_crash([&] { migration(MigrateHow::failover_migrate_host_netpass); });
}
TEST_F(FailoverdGuestIpv6, MigrateWithoutNetpass) {
    retry_on_guest_crash([&] { migration(MigrateHow::failover_migrate); });
}
TEST_F(FailoverdGuestIpv6, MigrateByManualScript) {
    retry_on_guest_crash([&] { migration(MigrateHow::manual_script); });
}

// A guest booted with ipv6.disable=1: the IPv6 family is absent, not merely unconfigured.
class FailoverdGuestNoIpv6 : public FailoverdGuest {
protected:
    static void SetUpTestSuite() { boot(GuestKind::failoverd, false); }
    static void TearDownTestSuite() { shutdown(); }
};

TEST_F(FailoverdGuestNoIpv6, Bpf3dev) {
    retry_on_guest_crash([&] { scenario("bpf", "3dev"); });
}
TEST_F(FailoverdGuestNoIpv6, PacketHidden) {
    retry_on_guest_crash([&] { scenario("packet", "hidden"); });
}
TEST_F(FailoverdGuestNoIpv6, MigrateWithHostNetpass) {
    retry_on_guest_crash([&] { migration(MigrateHow::failover_migrate_host_netpass); });
}
TEST_F(FailoverdGuestNoIpv6, MigrateWithoutNetpass) {
    retry_on_guest_crash([&] { migration(MigrateHow::failover_migrate); });
}

}  // namespace
}  // namespace nf::vmtest
