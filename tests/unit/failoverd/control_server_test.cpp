#include <gtest/gtest.h>

#include <linux/sockios.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <filesystem>

#include "common/error.h"
#include "failoverd_control/control_client.h"
#include "failoverd_control/control_server.h"
#include "temp_dir.h"
#include "test_loop.h"

namespace nf::daemon {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using test::TempDir;

constexpr milliseconds kTimeout{2000};

using test::loop;

// One loop round without waiting: what the daemon's loop does when the server's fds are ready.
void dispatch() { loop().run_once(milliseconds(0)); }

// Readable (poll) whenever the loop has work for the server.
int loop_fd() { return loop().fd(); }

// Runs the server's share of the work until it has been idle for a short while.
void pump(ControlServer&) {
    for (;;) {
        pollfd p{loop_fd(), POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) return;
        dispatch();
    }
}

// The client's next line, running the server whenever the line has not arrived yet (both ends live on
// this thread). Bounded by kTimeout.
std::string read_line_serving(ControlServer& server, ControlClient& client) {
    const auto deadline = std::chrono::steady_clock::now() + kTimeout;
    for (;;) {
        try {
            return client.read_line(milliseconds(10)).value_or("null");
        } catch (const SystemError&) {
            if (std::chrono::steady_clock::now() > deadline) throw;
        }
        pump(server);
    }
}

json exchange(ControlServer& server, ControlClient& client, const json& request) {
    client.send(request, kTimeout);
    pump(server);
    const auto line = client.read_line(kTimeout);
    EXPECT_TRUE(line);
    return json::parse(line.value_or("null"));
}

class ControlServerTest : public ::testing::Test {
protected:
    ControlHandlers handlers() {
        return {[this] {
                    StatusReport report;
                    report.master = "eth0";
                    report.active = active;
                    return report;
                },
                [this](ActiveChoice c) -> std::optional<std::string> {
                    if (c == ActiveChoice::primary && !primary_present) return "no primary is present";
                    active = std::string(to_string(c));
                    return std::nullopt;
                }};
    }

    TempDir dir;
    std::string path = dir / "run/netfailover/eth0.sock";   // parent does not exist yet
    std::string active = "standby";
    bool primary_present = false;
};

TEST_F(ControlServerTest, StatusOverARealSocket) {
    ControlServer server(loop(), path, handlers());
    auto client = ControlClient::connect(path, kTimeout);
    const json reply = exchange(server, client, {{"cmd", "status"}});
    EXPECT_EQ(reply["ok"], true);
    EXPECT_EQ(reply["status"]["master"], "eth0");
    EXPECT_EQ(server.counters().requests, 1u);
}

TEST_F(ControlServerTest, SocketIsMode0600AndRemovedOnDestruction) {
    {
        ControlServer server(loop(), path, handlers());
        struct stat st{};
        ASSERT_EQ(::stat(path.c_str(), &st), 0);
        EXPECT_TRUE(S_ISSOCK(st.st_mode));
        EXPECT_EQ(st.st_mode & 0777, 0600u);
    }
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(ControlServerTest, SetActiveCallsTheHandlerAndReportsItsError) {
    ControlServer server(loop(), path, handlers());
    auto client = ControlClient::connect(path, kTimeout);
    json reply = exchange(server, client, {{"cmd", "set"}, {"key", "active"}, {"value", "primary"}});
    EXPECT_EQ(reply, (json{{"ok", false}, {"error", "no primary is present"}}));
    primary_present = true;
    reply = exchange(server, client, {{"cmd", "set"}, {"key", "active"}, {"value", "primary"}});
    EXPECT_EQ(reply, (json{{"ok", true}, {"active", "primary"}}));
    EXPECT_EQ(active, "primary");
    reply = exchange(server, client, {{"cmd", "set"}, {"key", "active"}, {"value", "auto"}});
    EXPECT_EQ(active, "auto");
}

TEST_F(ControlServerTest, EventsReachEverySubscriberAndNoOneElse) {
    ControlServer server(loop(), path, handlers());
    auto a = ControlClient::connect(path, kTimeout);
    auto b = ControlClient::connect(path, kTimeout);
    auto plain = ControlClient::connect(path, kTimeout);
    EXPECT_EQ(exchange(server, a, {{"cmd", "events"}})["subscribed"], "events");
    EXPECT_EQ(exchange(server, b, {{"cmd", "events"}})["ok"], true);
    EXPECT_EQ(server.subscriber_count(), 2u);

    server.publish_event({{"event", "switch"}, {"to", "primary"}});
    server.publish_event({{"event", "switch"}, {"to", "standby"}});
    for (auto* client : {&a, &b}) {
        EXPECT_EQ(json::parse(*client->read_line(kTimeout))["to"], "primary");
        EXPECT_EQ(json::parse(*client->read_line(kTimeout))["to"], "standby");
    }
    // The plain client's next line is its own reply, not an event.
    EXPECT_EQ(exchange(server, plain, {{"cmd", "status"}})["ok"], true);

    { auto gone = std::move(a); }   // a subscriber leaves
    pump(server);
    EXPECT_EQ(server.subscriber_count(), 1u);
    server.publish_event({{"event", "carrier"}});
    EXPECT_EQ(json::parse(*b.read_line(kTimeout))["event"], "carrier");
}

TEST_F(ControlServerTest, MalformedRequestGetsAnErrorAndTheConnectionSurvives) {
    ControlServer server(loop(), path, handlers());
    auto client = ControlClient::connect(path, kTimeout);
    const std::string junk = "this is not json\n";
    ASSERT_EQ(::send(client.fd(), junk.data(), junk.size(), MSG_NOSIGNAL), static_cast<ssize_t>(junk.size()));
    pump(server);
    const json error = json::parse(*client.read_line(kTimeout));
    EXPECT_EQ(error["ok"], false);
    EXPECT_EQ(error["error"].get<std::string>().rfind("request is not valid JSON: ", 0), 0u) << error.dump();
    EXPECT_EQ(exchange(server, client, {{"cmd", "nope"}})["ok"], false);
    EXPECT_EQ(exchange(server, client, {{"cmd", "status"}})["ok"], true);
    EXPECT_EQ(server.counters().bad_requests, 2u);
}

TEST_F(ControlServerTest, OversizedLineGetsAnErrorAndTheConnectionSurvives) {
    ControlLimits limits;
    limits.max_request_line = 1024;
    ControlServer server(loop(), path, handlers(), limits);
    auto client = ControlClient::connect(path, kTimeout);
    const std::string big = "{\"cmd\":\"" + std::string(5000, 'x') + "\"}\n";
    ASSERT_EQ(::send(client.fd(), big.data(), big.size(), MSG_NOSIGNAL), static_cast<ssize_t>(big.size()));
    pump(server);
    const json error = json::parse(*client.read_line(kTimeout));
    EXPECT_EQ(error["ok"], false);
    EXPECT_NE(error["error"].get<std::string>().find("longer than 1024 bytes"), std::string::npos);
    EXPECT_EQ(exchange(server, client, {{"cmd", "status"}})["ok"], true);
    EXPECT_EQ(server.counters().oversized_requests, 1u);
}

TEST_F(ControlServerTest, SlowSubscriberIsDroppedNotWaitedFor) {
    ControlLimits limits;
    limits.max_pending_output = 8 * 1024;
    ControlServer server(loop(), path, handlers(), limits);
    auto slow = ControlClient::connect(path, kTimeout);
    auto fine = ControlClient::connect(path, kTimeout);
    exchange(server, slow, {{"cmd", "events"}});
    exchange(server, fine, {{"cmd", "events"}});

    const json event = {{"event", "x"}, {"pad", std::string(1000, 'p')}};
    // Far more than the socket buffer plus our limit; publish_event must return every time.
    for (int i = 0; i < 4000 && server.subscriber_count() == 2; ++i) {
        server.publish_event(event);
        pollfd p{fine.fd(), POLLIN, 0};
        while (::poll(&p, 1, 0) > 0) fine.read_line(kTimeout);
    }
    EXPECT_EQ(server.counters().slow_clients_dropped, 1u);
    EXPECT_EQ(server.subscriber_count(), 1u);
    server.publish_event({{"event", "last"}});
    while (true) {
        auto next = fine.read_line(kTimeout);
        ASSERT_TRUE(next);
        if (json::parse(*next)["event"] == "last") break;
    }
}

TEST_F(ControlServerTest, TooManyClientsAreRefusedWithAnError) {
    ControlLimits limits;
    limits.max_clients = 1;
    ControlServer server(loop(), path, handlers(), limits);
    auto first = ControlClient::connect(path, kTimeout);
    pump(server);
    auto second = ControlClient::connect(path, kTimeout);
    pump(server);
    const auto line = second.read_line(kTimeout);
    ASSERT_TRUE(line);
    EXPECT_EQ(json::parse(*line)["error"], "too many control clients");
    EXPECT_EQ(server.counters().clients_refused, 1u);
    EXPECT_EQ(exchange(server, first, {{"cmd", "status"}})["ok"], true);
}

TEST_F(ControlServerTest, StaleSocketIsReplaced) {
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    {
        // A socket file whose daemon died: bound, never listening, closed.
        UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strcpy(addr.sun_path, path.c_str());
        ASSERT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    }
    ASSERT_TRUE(std::filesystem::is_socket(path));
    ControlServer server(loop(), path, handlers());
    auto client = ControlClient::connect(path, kTimeout);
    EXPECT_EQ(exchange(server, client, {{"cmd", "status"}})["ok"], true);
}

TEST_F(ControlServerTest, LiveSocketIsRefused) {
    ControlServer first(loop(), path, handlers());
    try {
        ControlServer second(loop(), path, handlers());
        FAIL() << "a second server started on a live socket";
    } catch (const SystemError& e) {
        EXPECT_NE(std::string(e.what()).find("already running"), std::string::npos) << e.what();
        EXPECT_EQ(e.errno_value(), EADDRINUSE);
    }
    // The first daemon's socket is untouched.
    auto client = ControlClient::connect(path, kTimeout);
    EXPECT_EQ(exchange(first, client, {{"cmd", "status"}})["ok"], true);
}

TEST_F(ControlServerTest, RegularFileIsNotRemoved) {
    const auto file = dir.write("run/netfailover/eth0.sock", "precious");
    EXPECT_THROW(ControlServer(loop(), path, handlers()), SystemError);
    EXPECT_TRUE(std::filesystem::is_regular_file(file));
}

TEST_F(ControlServerTest, HandlerExceptionBecomesAnErrorReply) {
    ControlHandlers h = handlers();
    h.status = []() -> StatusReport { throw std::runtime_error("netlink dump failed"); };
    ControlServer server(loop(), path, h);
    auto client = ControlClient::connect(path, kTimeout);
    const json reply = exchange(server, client, {{"cmd", "status"}});
    EXPECT_EQ(reply["ok"], false);
    EXPECT_NE(reply["error"].get<std::string>().find("netlink dump failed"), std::string::npos);
}

TEST_F(ControlServerTest, SubscriberDroppedByTheEventItsOwnRequestPublishes) {
    // The core publishes synchronously from set_active: the event overflows this very client's backlog
    // while the server still answers it. It must be dropped after the round, not under our feet.
    ControlLimits limits;
    limits.max_pending_output = 256;
    ControlServer* server_ptr = nullptr;
    ControlHandlers h = handlers();
    h.set_active = [&](ActiveChoice c) -> std::optional<std::string> {
        active = std::string(to_string(c));
        server_ptr->publish_event({{"event", "switch"}, {"pad", std::string(1000, 'p')}});
        return std::nullopt;
    };
    ControlServer server(loop(), path, h, limits);
    server_ptr = &server;
    auto client = ControlClient::connect(path, kTimeout);
    EXPECT_EQ(exchange(server, client, {{"cmd", "events"}})["subscribed"], "events");

    client.send({{"cmd", "set"}, {"key", "active"}, {"value", "auto"}}, kTimeout);
    pump(server);
    EXPECT_EQ(active, "auto");
    EXPECT_EQ(server.counters().slow_clients_dropped, 1u);
    EXPECT_EQ(server.client_count(), 0u);
    EXPECT_FALSE(client.read_line(kTimeout)) << "the dropped client sees the connection close";
}

TEST_F(ControlServerTest, PublishOutsideDispatchDropsAtOnce) {
    ControlLimits limits;
    limits.max_pending_output = 256;
    ControlServer server(loop(), path, handlers(), limits);
    auto client = ControlClient::connect(path, kTimeout);
    exchange(server, client, {{"cmd", "events"}});
    server.publish_event({{"event", "x"}, {"pad", std::string(1000, 'p')}});
    EXPECT_EQ(server.client_count(), 0u);
}

TEST_F(ControlServerTest, ABusyClientGetsOneShareAndTheRestLater) {
    ControlServer server(loop(), path, handlers());
    const ControlLimits limits;
    auto busy = ControlClient::connect(path, kTimeout);
    auto other = ControlClient::connect(path, kTimeout);
    pump(server);
    std::string burst;
    for (int i = 0; i < 200; ++i) burst += "{\"cmd\":\"status\"}\n";   // all in one read
    ASSERT_EQ(::send(busy.fd(), burst.data(), burst.size(), MSG_NOSIGNAL), static_cast<ssize_t>(burst.size()));
    other.send({{"cmd", "status"}}, kTimeout);

    pollfd p{loop_fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 1000), 1);
    dispatch();
    // One share for the busy client; the other client was answered in the same round.
    EXPECT_EQ(server.counters().requests, limits.max_requests_per_dispatch + 1);
    EXPECT_EQ(json::parse(*other.read_line(kTimeout))["ok"], true);

    // The rest is already read, so its socket is quiet: the server must still ask to be dispatched.
    ASSERT_EQ(::poll(&p, 1, 0), 1) << "requests left in the buffer need no new data to be answered";
    pump(server);
    EXPECT_EQ(server.counters().requests, 201u);
    // 200 full status replies can exceed the socket's send buffer: the server writes the rest as the
    // client reads, so it is dispatched between reads.
    for (int i = 0; i < 200; ++i) ASSERT_EQ(json::parse(read_line_serving(server, busy))["ok"], true) << i;
    EXPECT_EQ(::poll(&p, 1, 0), 0) << "nothing is left to do";
}

TEST_F(ControlServerTest, ANonstopWriterIsReadOneShareAtATime) {
    ControlServer server(loop(), path, handlers());
    auto client = ControlClient::connect(path, kTimeout);
    pump(server);
    // One endless line, far more than a share: each dispatch reads a share and returns.
    const std::string junk(160 * 1024, 'x');
    std::size_t sent = 0;
    while (sent < junk.size()) {
        const ssize_t n = ::send(client.fd(), junk.data() + sent, junk.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    ASSERT_GT(sent, 2 * ControlLimits{}.max_read_per_dispatch);
    int unread = 0;
    ASSERT_EQ(::ioctl(client.fd(), SIOCOUTQ, &unread), 0);
    ASSERT_GT(unread, 0);
    dispatch();
    int after_one = 0;
    ASSERT_EQ(::ioctl(client.fd(), SIOCOUTQ, &after_one), 0);
    EXPECT_LT(after_one, unread) << "a share was read";
    EXPECT_GT(after_one, 0) << "dispatch() returned before the client's data ran out";
    pollfd p{loop_fd(), POLLIN, 0};
    EXPECT_EQ(::poll(&p, 1, 0), 1) << "what is left fires again";
    pump(server);
    ASSERT_EQ(::ioctl(client.fd(), SIOCOUTQ, &after_one), 0);
    EXPECT_EQ(after_one, 0);
    EXPECT_EQ(server.counters().oversized_requests, 1u);
}

TEST(ControlClient, NoDaemonIsAClearError) {
    TempDir dir;
    try {
        ControlClient::connect(dir / "none.sock", kTimeout);
        FAIL();
    } catch (const SystemError& e) {
        EXPECT_EQ(std::string(e.what()), "no failoverd at " + (dir / "none.sock") + ": No such file or directory");
    }
}

TEST(ControlClient, ReadTimesOut) {
    TempDir dir;
    ControlServer server(loop(), dir / "x.sock", {[] { return StatusReport{}; }, [](ActiveChoice) { return std::nullopt; }});
    auto client = ControlClient::connect(dir / "x.sock", kTimeout);
    try {
        client.read_line(milliseconds(30));   // nobody answers: the server was not pumped
        FAIL();
    } catch (const SystemError& e) {
        EXPECT_EQ(e.errno_value(), ETIMEDOUT);
    }
}

}  // namespace
}  // namespace nf::daemon
