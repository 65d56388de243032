// failover-netpass as a user (or failover-migrate's hook) meets it: --help, --version, usage errors, a
// missing tap, a stranger on the destination's port.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "netpass/edge/helper_process.h"

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

}  // namespace
}  // namespace nf::netpass::test
