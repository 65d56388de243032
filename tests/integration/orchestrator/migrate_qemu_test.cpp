// failover-migrate migrates between two real QEMU processes (TCG, firmware only: QEMU migrates a machine
// with no OS fine) and plugs the VF on the destination; the timeline carries QEMU's own events.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/unique_fd.h"
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

// The RARPs with the VM's MAC that QEMU sends into one tap of a namespace (what the host's bridge learns from).
class RarpCapture {
public:
    RarpCapture(const std::string& ns, const std::string& tap) {
        std::string error;
        // A socket belongs to the namespace of the thread that made it: made on a thread that entered `ns`.
        std::thread([&] {
            UniqueFd nsfd(::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC));
            if (!nsfd || ::setns(nsfd.get(), CLONE_NEWNET) < 0) {
                error = "enter " + ns + ": " + std::strerror(errno);
                return;
            }
            // ETH_P_ALL: a bridge port's frames reach only the taps of every protocol (the bridge takes them
            // before the per-protocol handlers), so the ethertype is checked here.
            socket_ = UniqueFd(::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)));
            sockaddr_ll at{};
            at.sll_family = AF_PACKET;
            at.sll_protocol = htons(ETH_P_ALL);
            at.sll_ifindex = static_cast<int>(::if_nametoindex(tap.c_str()));
            if (!socket_ || at.sll_ifindex == 0 || ::bind(socket_.get(), reinterpret_cast<sockaddr*>(&at), sizeof at) < 0)
                error = "AF_PACKET on " + tap + ": " + std::strerror(errno);
        }).join();
        if (!error.empty()) throw std::runtime_error(error);
    }

    // Frames QEMU sent into the tap (not the bridge's copies out of it) with the VM's MAC as source, so far.
    int count() {
        unsigned char frame[256];
        sockaddr_ll from{};
        for (int i = 0; i < 1000; ++i) {  // bounded: the socket's queue holds at most a few hundred
            socklen_t len = sizeof from;
            const ssize_t n = ::recvfrom(socket_.get(), frame, sizeof frame, 0, reinterpret_cast<sockaddr*>(&from), &len);
            if (n < 0) break;
            if (from.sll_pkttype != PACKET_OUTGOING && n >= 14 && std::memcmp(frame + 6, kMacBytes, 6) == 0 &&
                frame[12] == (ETHERTYPE_REVARP >> 8) && frame[13] == (ETHERTYPE_REVARP & 0xff))
                ++seen_;
        }
        return seen_;
    }

private:
    static constexpr unsigned char kMacBytes[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x01};  // kMac
    UniqueFd socket_;
    int seen_ = 0;
};

// QEMU announces the VM's MAC itself once an incoming migration has loaded: a RARP from every NIC it
// emulates per round, 5 rounds over 800 ms by default. A primary it emulates (this e1000e, the real-VM tier's
// VF stand-in) plugged in that time is in the later rounds, and the host's bridge then sends the guest's
// frames to the VF's tap while the guest does not receive there yet (tests/vm: 0-2 pings lost toward the
// guest per migration, at rounds 450 and 800 ms after the load). failover-migrate plugs it after the
// announcement: no RARP leaves QEMU on the destination's VF tap; the standby's tap has QEMU's 5 rounds.
TEST(MigrateQemu, AnEmulatedPrimaryIsPluggedAfterQemusMigrationAnnouncement) {
    QemuPair p;
    p.source().start({});
    p.destination().start({.incoming = true});
    RarpCapture vf(p.destination().ns(), "tap-vf");
    RarpCapture standby(p.destination().ns(), "tap-sb");
    auto args = base_args(p);
    args.push_back("--no-announce");  // only QEMU's own rounds on the wire
    const MigrateRun run = run_migrate(args);
    ASSERT_EQ(run.status, 0) << run.out << run.err;
    const auto out = run.json();
    bool waited = false;
    for (const auto& e : out["timeline"])
        if (e["kind"] == "note" && e["name"] == "migration-announce-over") {
            waited = true;
            EXPECT_EQ(e["detail"]["announce_ms"], 800) << e.dump();
        }
    EXPECT_TRUE(waited) << out["timeline"].dump(1);
    std::this_thread::sleep_for(1500ms);  // past any late round
    EXPECT_EQ(vf.count(), 0) << "QEMU announced the VM's MAC from the emulated primary's tap";
    EXPECT_EQ(standby.count(), 5) << "QEMU's own rounds from the standby";
    auto dst = p.destination().qmp();
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
