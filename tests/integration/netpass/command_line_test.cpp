// failover-netpass as a user (or failover-migrate's hook) meets it: --help, --version, usage errors, a
// missing tap, a stranger on the destination's port.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "netpass/edge/helper_process.h"
#include "netpass/wire.h"

namespace nf::netpass::test {
namespace {

using namespace std::chrono_literals;

struct Run {
    int status = -1;
    std::string output;
};

Run run(const std::string& args) {
    Run r;
    FILE* p = ::popen((std::string(NF_NETPASS_BINARY) + " " + args + " 2>&1 </dev/null").c_str(), "r");
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) r.output.append(buf, n);
    const int st = ::pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

TEST(NetpassCommandLine, HelpNamesEveryOption) {
    const auto r = run("--help");
    EXPECT_EQ(r.status, 0);
    for (const char* o : {"--tap", "--netns", "--peer", "--listen", "--session", "--max-frames", "--max-bytes",
                          "--keep-ms", "--forward-ms", "--quiet-ms", "--hold-ms", "arm", "resumed", "abort"})
        EXPECT_NE(r.output.find(o), std::string::npos) << o;
    EXPECT_EQ(run("source --help").status, 0);
    const auto v = run("--version");
    EXPECT_EQ(v.status, 0);
    EXPECT_NE(v.output.find("failover-netpass (netfailover)"), std::string::npos);
}

TEST(NetpassCommandLine, UsageErrorsExit2AndSayWhy) {
    auto r = run("");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.output.find("give 'source' or 'destination'"), std::string::npos) << r.output;
    r = run("destination --tap t --session s --max-frames 0");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.output.find("--max-frames must be"), std::string::npos) << r.output;
    r = run("destination --tap t --session s --quiet-ms 3000");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.output.find("--quiet-ms must not exceed --forward-ms"), std::string::npos) << r.output;
    r = run("source --tap t --session s --peer nohost");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.output.find("is not HOST:PORT"), std::string::npos) << r.output;
    r = run("source --tap t --session s --peer example.org:80");
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.output.find("numeric"), std::string::npos) << r.output;
    r = run("destination --tap t --session s --bogus");
    EXPECT_EQ(r.status, 2);
}

TEST(NetpassCommandLine, MissingTapIsAnErrorReport) {
    const auto r = run("destination --tap np-no-such-tap --session s");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("no device 'np-no-such-tap'"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"event\":\"error\""), std::string::npos) << r.output;
}

// A stranger on the destination's port (garbage, or the wrong session) is dropped and counted; the half
// keeps waiting for its real source and cleans up when told to stop.
TEST(NetpassCommandLine, StrangersOnTheDestinationPortAreRefused) {
    const std::string ns = "npc" + std::to_string(::getpid());
    ASSERT_EQ(std::system(("ip netns add " + ns + " && ip -n " + ns + " tuntap add npt0 mode tap && ip -n " + ns +
                           " link set npt0 up").c_str()),
              0);
    struct Cleanup {
        std::string ns;
        ~Cleanup() { std::system(("ip netns del " + ns + " 2>/dev/null").c_str()); }
    } cleanup{ns};
    edge::HelperProcess dst("destination", NF_NETPASS_BINARY,
                            {"destination", "--tap", "npt0", "--netns", ns, "--session", "right"});
    const int port = dst.await("ready", 5s).at("port");
    const auto send = [&](const std::vector<std::uint8_t>& bytes) {
        const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(static_cast<std::uint16_t>(port));
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
        ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), 0), static_cast<ssize_t>(bytes.size()));
        char c;
        ::recv(fd, &c, 1, 0);  // the half hangs up on us
        ::close(fd);
    };
    const std::string http = "GET / HTTP/1.1\r\n\r\n";
    send(std::vector<std::uint8_t>(http.begin(), http.end()));
    send(encode_json(MessageType::Hello, {{"session", "wrong"}}));
    dst.send("abort");
    const auto done = dst.await("done", 5s);
    EXPECT_EQ(done.at("refused-peers"), 2) << done.dump();
    EXPECT_EQ(done.at("received"), 0);
    EXPECT_EQ(done.at("outcome"), "aborted");
    EXPECT_EQ(dst.finish(3s), 0);
}

}  // namespace
}  // namespace nf::netpass::test
