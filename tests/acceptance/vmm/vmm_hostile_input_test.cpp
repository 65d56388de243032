// failover-vmm under hostile local clients (issue 9): bad lines on QMP and the device channel, lines past
// the limit, 10 000 connect/disconnect cycles, more clients than slots, a client that never reads, a peer
// of the wrong user. Each is answered with an error or a dropped connection and counted in x-query-vmm;
// afterwards the VMM is up, the guest has both NICs and traffic still flows.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <future>
#include <thread>
#include <regex>

#include "../../support/as_user.h"
#include "../../support/hostile_lines.h"
#include "../../support/ping_stream.h"
#include "../../support/raw_line_client.h"
#include "test_guest.h"
#include "vmm_fixture.h"

namespace nf::vmm::test {
namespace {

using nlohmann::json;
using nf::test::RawLineClient;

class VmmHostileInput : public ::testing::Test {
protected:
    void start(std::vector<std::string> extra = {}) {
        auto a = base_arguments(lab);
        a.insert(a.end(), extra.begin(), extra.end());
        for (const auto& d : {standby_device(), primary_device()}) {
            a.push_back("--device");
            a.push_back(d);
        }
        vmm.emplace(lab, a);
        qmp.emplace(vmm->qmp());
        lab.guest("ip addr add " + std::string(kVmIp) + "/24 dev eth0");
        lab.guest("ip link set eth0 up");
        guest.emplace(TestGuest::connect(lab.channel_path()));
        guest->start_driver("standby0");
        ASSERT_TRUE(qmp->wait_event("FAILOVER_NEGOTIATED", 10s));
        ASSERT_TRUE(lab.wait_guest_link("ens4", true, 10s));
        lab.guest("ip link set ens4 up");
        // No failover master in this guest: ens4 (the VF) shares eth0's MAC and the host's static filter sends
        // every frame for that MAC to the VF, so the reply to eth0's own ARP request arrives on ens4 and is
        // not eth0's. Once eth0's neighbour entry for the host expires (~20 s, shorter than the battery) the
        // guest could no longer answer: pin it, so what the pings measure is the VMM's forwarding.
        const std::string host_mac = sh("ip netns exec " + lab.host_ns() + " cat /sys/class/net/br0/address").output;
        lab.guest("ip neigh replace " + std::string(kHostIp) + " lladdr " + host_mac.substr(0, 17) +
                  " dev eth0 nud permanent");
    }
    json vmm_state() { return qmp->execute_ok("x-query-vmm"); }
    int pings_answered(int count) {
        const auto r = sh("ip netns exec " + lab.host_ns() + " ping -n -q -i 0.02 -W 1 -c " + std::to_string(count) +
                          " " + kVmIp);
        std::smatch m;
        return std::regex_search(r.output, m, std::regex(R"((\d+) received)")) ? std::stoi(m[1]) : 0;
    }

    VmmLab lab;
    std::optional<VmmProcess> vmm;
    std::optional<qmp::QmpClient> qmp;
    std::optional<TestGuest> guest;
};

TEST_F(VmmHostileInput, SurvivesTheBatteryAndKeepsForwarding) {
    start();
    ASSERT_GE(pings_answered(5), 4) << "no traffic before the battery";
    nf::test::PingStream during(lab.host_ns(), kVmIp, 0.05);
    const auto lines = nf::test::hostile_lines();

    // QMP: every bad line gets a GenericError, before and after negotiation; a line past 64 KiB too.
    {
        RawLineClient raw(lab.qmp_path());
        ASSERT_TRUE(raw.read_line()) << "no greeting";
        for (int round = 0; round < 2; ++round) {
            for (const auto& line : lines) {
                ASSERT_TRUE(raw.send(line + "\n"));
                const auto reply = raw.read_line();
                ASSERT_TRUE(reply) << "no reply to: " << line;
                EXPECT_NE(reply->find("\"error\""), std::string::npos) << line << " -> " << *reply;
            }
            ASSERT_TRUE(raw.send(nf::test::oversized_line(70 * 1024) + "\n"));
            const auto oversized = raw.read_line();
            ASSERT_TRUE(oversized);
            EXPECT_NE(oversized->find("exceeds the limit"), std::string::npos) << *oversized;
            ASSERT_TRUE(raw.send("{\"execute\":\"qmp_capabilities\"}\n"));
            ASSERT_TRUE(raw.read_line());
        }
    }
    // The device channel: the connected guest sends the battery; it stays connected and negotiated.
    for (const auto& line : lines) guest->send_raw(line + "\n");
    guest->send_raw(nf::test::oversized_line(70 * 1024) + "\n");

    // 10 000 connect/disconnect cycles on each socket (a second guest is refused at once).
    for (int i = 0; i < 10000; ++i) {
        { RawLineClient cycle(lab.qmp_path()); }
        { RawLineClient cycle(lab.channel_path()); }
    }

    // More clients than slots (16): the test's own client holds one; the rest past 16 are closed at once.
    // First the VMM must have seen every cycle's close (its client count back to our one).
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (vmm_state()["qmp"]["clients"].get<int>() > 1 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(20ms);
    {
        std::vector<std::unique_ptr<RawLineClient>> crowd;
        for (int i = 0; i < 24; ++i) crowd.push_back(std::make_unique<RawLineClient>(lab.qmp_path()));
        int greeted = 0, refused = 0;
        for (auto& c : crowd) {
            if (c->read_line(2s)) ++greeted;
            else ++refused;
        }
        EXPECT_EQ(greeted, 15);
        EXPECT_EQ(refused, 9);
    }

    // A client that never reads: it is dropped once its replies pass the output bound (4 MiB).
    {
        RawLineClient sink(lab.qmp_path());
        std::string burst = "{\"execute\":\"qmp_capabilities\"}\n";
        for (int i = 0; i < 256; ++i) burst += "{\"execute\":\"query-pci\"}\n";
        // Never reading, keep writing until the VMM hangs up (EPIPE/ECONNRESET): a stall only means the VMM
        // is still working through the commands (slow under load), so it is not a reason to stop.
        const auto until = std::chrono::steady_clock::now() + 60s;
        while (std::chrono::steady_clock::now() < until) {
            if (sink.send(burst, 200ms)) continue;
            if (errno == EPIPE || errno == ECONNRESET) break;
        }
        EXPECT_TRUE(sink.closed_by_peer(20s)) << "a client that never reads must be dropped";
    }

    // A peer that is not root: refused by SO_PEERCRED even though the socket file would let it in.
    ::chmod(lab.dir().c_str(), 0755);
    ::chmod(lab.qmp_path().c_str(), 0666);
    const int nobody = nf::test::run_as(nf::test::kNobodyUid, nf::test::kNogroupGid, [&] {
        RawLineClient intruder(lab.qmp_path());
        return intruder.read_line(3s) ? 1 : 0;   // 0: closed without a greeting
    });
    EXPECT_EQ(nobody, 0) << "a non-root peer got a QMP greeting";

    // Still up, still the guest's NICs, still forwarding, everything counted.
    EXPECT_EQ(::kill(vmm->pid(), 0), 0) << vmm->log();
    const auto during_result = during.stop();
    EXPECT_GT(during_result.answered, 0) << "no ping answered during the battery";
    EXPECT_TRUE(lab.in_guest("eth0"));
    EXPECT_TRUE(lab.in_guest("ens4"));
    EXPECT_GE(pings_answered(10), 9) << vmm->log();
    const json state = vmm_state();
    std::cout << "x-query-vmm after the battery: qmp " << state["qmp"].dump() << "\n  device-channel "
              << state["device-channel"].dump() << "\n";
    EXPECT_GE(state["qmp"]["malformed"].get<std::uint64_t>(), 2 * lines.size() - 8);
    EXPECT_GE(state["qmp"]["oversized-lines"].get<std::uint64_t>(), 2u);
    // Every connection was taken in or turned away, counted (the split varies with how fast closes are seen).
    EXPECT_GE(state["qmp"]["clients-accepted"].get<std::uint64_t>() + state["qmp"]["clients-refused"].get<std::uint64_t>(),
              10000u + 24u);
    EXPECT_GE(state["qmp"]["clients-refused"].get<std::uint64_t>(), 9u);
    EXPECT_GE(state["qmp"]["clients-dropped"].get<std::uint64_t>(), 1u);
    EXPECT_GE(state["qmp"]["peers-refused"].get<std::uint64_t>(), 1u);
    EXPECT_GE(state["device-channel"]["protocol-errors"].get<std::uint64_t>(), 10u);
    EXPECT_GE(state["device-channel"]["oversized-lines"].get<std::uint64_t>(), 1u);
    EXPECT_GE(state["device-channel"]["guests-refused"].get<std::uint64_t>(), 10000u);
    EXPECT_TRUE(state["guest-connected"].get<bool>());
    EXPECT_TRUE(pci_present(*qmp, "primary0"));
}

// --socket-group at the level a user meets it: members of the group get QMP; the sockets are 0660.
TEST_F(VmmHostileInput, SocketGroupAdmitsItsMembers) {
    start({"--socket-group", std::to_string(nf::test::kNogroupGid)});
    ::chmod(lab.dir().c_str(), 0755);
    struct stat st{};
    for (const auto& path : {lab.qmp_path(), lab.channel_path()}) {
        ASSERT_EQ(::lstat(path.c_str(), &st), 0);
        EXPECT_EQ(st.st_mode & 0777, 0660u) << path;
        EXPECT_EQ(st.st_gid, nf::test::kNogroupGid) << path;
    }
    const int member = nf::test::run_as(nf::test::kNobodyUid, nf::test::kNogroupGid, [&] {
        RawLineClient client(lab.qmp_path());
        const auto greeting = client.read_line(3s);
        return greeting && greeting->find("\"QMP\"") != std::string::npos ? 0 : 1;
    });
    EXPECT_EQ(member, 0) << "a member of --socket-group got no greeting\n" << vmm->log();
    EXPECT_EQ(vmm_state()["qmp"]["peers-refused"], 0);
    const auto bad = run_vmm(lab, {"--name", "vm1", "--qmp", lab.dir() + "/x.qmp", "--guest-netns", lab.guest_ns(),
                                   "--socket-group", "no-such-group-nf"});
    EXPECT_EQ(bad.status, 2) << bad.output;
    EXPECT_NE(bad.output.find("--socket-group: no group 'no-such-group-nf'"), std::string::npos) << bad.output;
}

}  // namespace
}  // namespace nf::vmm::test
