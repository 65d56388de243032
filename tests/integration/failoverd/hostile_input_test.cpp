// failoverd under hostile local clients (issue 9): bad lines on the control socket, lines past the limit,
// 10 000 connect/disconnect cycles, more clients than slots, a client that never reads, a peer of the wrong
// user; a config file with 1e999. Each is answered with an error, a dropped connection or exit status 2,
// and counted in `status` (failoverctl status --json); the daemon stays up and keeps forwarding.
#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <thread>

#include "../../support/as_user.h"
#include "../../support/hostile_lines.h"
#include "../../support/raw_line_client.h"
#include "failoverd_fixture.h"

namespace nf::failoverd::test {
namespace {

using namespace std::chrono_literals;
using nf::test::RawLineClient;

class FailoverdHostileInput : public FailoverdFixture {};

TEST_P(FailoverdHostileInput, ControlSocketSurvivesTheBatteryAndTrafficFlows) {
    start();
    lab_->configure_master_ip();
    ASSERT_TRUE(lab_->ping());
    const auto lines = nf::test::hostile_lines();
    {
        RawLineClient raw(lab_->control());
        for (const auto& line : lines) {
            ASSERT_TRUE(raw.send(line + "\n"));
            const auto reply = raw.read_line();
            ASSERT_TRUE(reply) << "no reply to: " << line;
            EXPECT_NE(reply->find("\"ok\":false"), std::string::npos) << line << " -> " << *reply;
        }
        ASSERT_TRUE(raw.send(nf::test::oversized_line(70 * 1024) + "\n"));
        const auto oversized = raw.read_line();
        ASSERT_TRUE(oversized);
        EXPECT_NE(oversized->find("request longer than"), std::string::npos) << *oversized;
        ASSERT_TRUE(raw.send("{\"cmd\":\"status\"}\n"));
        const auto ok = raw.read_line();
        ASSERT_TRUE(ok);
        EXPECT_NE(ok->find("\"ok\":true"), std::string::npos);
    }
    for (int i = 0; i < 10000; ++i) RawLineClient cycle(lab_->control());

    // More clients than slots (32): the ones past the limit get "too many control clients" and EOF.
    // First the daemon must have seen every cycle's close (only the status query itself connected).
    // (A status query may itself be refused while the closes are still queued: that is "not yet".)
    ASSERT_TRUE(wait_until([&] {
        const auto clients = status()["control"]["clients"];
        return clients.is_number() && clients.get<int>() <= 1;
    }, 20s));
    {
        std::vector<std::unique_ptr<RawLineClient>> crowd;
        for (int i = 0; i < 40; ++i) crowd.push_back(std::make_unique<RawLineClient>(lab_->control()));
        int served = 0, refused = 0;
        for (auto& c : crowd) {
            if (!c->send("{\"cmd\":\"status\"}\n")) {
                ++refused;
                continue;
            }
            const auto reply = c->read_line(3s);
            if (reply && reply->find("\"ok\":true") != std::string::npos) ++served;
            else ++refused;
        }
        EXPECT_EQ(served, 32);
        EXPECT_EQ(refused, 8);
    }
    // A client that asks and never reads is dropped past its output bound (1 MiB).
    {
        RawLineClient sink(lab_->control());
        std::string burst;
        for (int i = 0; i < 256; ++i) burst += "{\"cmd\":\"status\"}\n";
        // Keep writing until the daemon hangs up: a stall only means it is still working through the requests.
        const auto until = std::chrono::steady_clock::now() + 60s;
        while (std::chrono::steady_clock::now() < until) {
            if (sink.send(burst, 200ms)) continue;
            if (errno == EPIPE || errno == ECONNRESET) break;
        }
        EXPECT_TRUE(sink.closed_by_peer(20s)) << "a client that never reads must be dropped";
    }
    // Not root: refused by SO_PEERCRED even with the socket file opened up.
    ::chmod(lab_->control().c_str(), 0666);
    const int nobody = nf::test::run_as(nf::test::kNobodyUid, nf::test::kNogroupGid, [&] {
        RawLineClient intruder(lab_->control());
        if (!intruder.send("{\"cmd\":\"status\"}\n")) return 0;
        return intruder.read_line(3s) ? 1 : 0;
    });
    EXPECT_EQ(nobody, 0) << "a non-root peer got an answer";

    const auto s = status();
    ASSERT_TRUE(s.contains("control")) << s.dump();
    std::cout << "failoverd control counters after the battery: " << s["control"].dump() << "\n";
    EXPECT_GE(s["control"]["bad_requests"].get<std::uint64_t>(), lines.size());
    EXPECT_GE(s["control"]["oversized_requests"].get<std::uint64_t>(), 1u);
    // Every connection was taken in or turned away, counted (a cycle whose predecessor's close was still
    // queued can meet a full table and be refused: the split varies, the sum does not).
    EXPECT_GE(s["control"]["clients_accepted"].get<std::uint64_t>() + s["control"]["clients_refused"].get<std::uint64_t>(),
              10000u + 40u);
    EXPECT_GE(s["control"]["clients_refused"].get<std::uint64_t>(), 8u);
    EXPECT_GE(s["control"]["slow_clients_dropped"].get<std::uint64_t>(), 1u);
    EXPECT_GE(s["control"]["peers_refused"].get<std::uint64_t>(), 1u);
    EXPECT_EQ(s["active"], "primary");
    EXPECT_TRUE(lab_->ping(5));
}

TEST_P(FailoverdHostileInput, ControlGroupAdmitsItsMembers) {
    start({"--control-group", std::to_string(nf::test::kNogroupGid)});
    struct stat st{};
    ASSERT_EQ(::lstat(lab_->control().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0660u);
    EXPECT_EQ(st.st_gid, nf::test::kNogroupGid);
    const int member = nf::test::run_as(nf::test::kNobodyUid, nf::test::kNogroupGid, [&] {
        RawLineClient client(lab_->control());
        if (!client.send("{\"cmd\":\"status\"}\n")) return 1;
        const auto reply = client.read_line(3s);
        return reply && reply->find("\"ok\":true") != std::string::npos ? 0 : 1;
    });
    EXPECT_EQ(member, 0);
    EXPECT_EQ(status()["control"]["peers_refused"], 0);
}

// Issue 9, defect 3: a config number that overflows is exit status 2 with the field named, nothing changed.
TEST_P(FailoverdHostileInput, ConfigWithAnOverflowingNumberExits2) {
    const std::string config = "/tmp/nfd-" + lab_->tag() + "-huge.json";
    std::ofstream(config) << R"({"standby":"sb0","announce":{"count":1e999}})";
    DaemonProcess& d = launch({"--config", config});
    const auto status = d.wait_exit(10s);
    std::remove(config.c_str());
    ASSERT_TRUE(status) << d.log();
    EXPECT_EQ(*status, 2) << d.log();
    EXPECT_NE(d.log().find("announce.count: not valid JSON: number overflow parsing '1e999'"), std::string::npos)
        << d.log();
    EXPECT_FALSE(lab_->link_exists(lab_->guest(), lab_->master()));
}

INSTANTIATE_TEST_SUITE_P(Setups, FailoverdHostileInput, ::testing::Values(Setup{"packet", "3dev"}), setup_name);

}  // namespace
}  // namespace nf::failoverd::test
