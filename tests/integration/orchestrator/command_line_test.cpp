// The binary as a user meets it: --help, every option's parsing, bad input → exit 2 with a clear message.
#include <gtest/gtest.h>

#include "qemu_pair.h"

namespace nf::orchestrator::test {
namespace {

const std::vector<std::string> kOptions = {
    "--source", "--destination", "--uri", "--standby", "--primary", "--primary-device", "--mac", "--source-filter",
    "--destination-filter", "--link-down-settle", "--unplug-timeout", "--migrate-timeout", "--plug-timeout", "--rollback-timeout",
    "--connect-timeout", "--command-timeout", "--no-announce", "--announce-rounds", "--json", "--dry-run", "--help"};

TEST(CommandLine, HelpDocumentsEveryOptionAndTheExitCodes) {
    const MigrateRun run = run_migrate({"--help"});
    ASSERT_EQ(run.status, 0);
    for (const auto& o : kOptions) EXPECT_NE(run.out.find(" " + o + " "), std::string::npos) << o;
    for (const char* s : {"EXIT STATUS", "fdb:bridge=BR,vf=PORT,pv=PORT", "vf-mac:pf=IF,vf=N", "unplug-primary", "primary-link-down",
                          "resume-destination", "release-source-filter", "5  a step failed after the guest started"})
        EXPECT_NE(run.out.find(s), std::string::npos) << s;
    EXPECT_EQ(run_migrate({"-h"}).out, run.out);
}

TEST(CommandLine, BadInputIsAUsageError) {
    const std::vector<std::string> ok = {"--source", "unix:/nonexistent/a", "--destination", "unix:/nonexistent/b",
                                         "--uri", "unix:/nonexistent/m"};
    const auto with = [&](std::vector<std::string> extra) {
        auto args = ok;
        args.insert(args.end(), extra.begin(), extra.end());
        return run_migrate(args);
    };
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--primary-device", "{not json"}, "--primary-device: not JSON"},
        {{"--primary-device", "{\"id\":\"p\"}"}, "--primary-device needs a \"driver\""},
        {{"--mac", "52:54:00"}, "--mac 52:54:00: not a MAC address"},
        {{"--source-filter", "fdb:bridge=br0"}, "an fdb filter needs bridge=, vf= and pv="},
        {{"--destination-filter", "vlan:x=1"}, "unknown filter kind"},
        {{"--unplug-timeout", "0"}, "--unplug-timeout"},
        {{"--link-down-settle", "10001"}, "--link-down-settle"},
        {{"--announce-rounds", "101"}, "--announce-rounds"},
        {{"--bogus"}, "--bogus"},
    };
    for (const auto& [extra, message] : cases) {
        const MigrateRun run = with(extra);
        EXPECT_EQ(run.status, 2) << extra[0] << ": " << run.err;
        EXPECT_NE(run.err.find(message), std::string::npos) << run.err;
        EXPECT_NE(run.err.find("see failover-migrate --help"), std::string::npos) << run.err;
    }
    const MigrateRun missing = run_migrate({"--source", "unix:/a", "--uri", "unix:/m"});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("--destination is required"), std::string::npos);
    const MigrateRun bad_address = run_migrate({"--source", "/run/vm.qmp", "--destination", "unix:/b", "--uri", "unix:/m"});
    EXPECT_EQ(bad_address.status, 2);
    EXPECT_NE(bad_address.err.find("want unix:PATH or tcp:HOST:PORT"), std::string::npos);
}

TEST(CommandLine, UnreachableVmmIsRefusedWithinTheConnectTimeout) {
    const auto start = std::chrono::steady_clock::now();
    const MigrateRun run = run_migrate({"--source", "unix:/nonexistent/nfo-a.qmp", "--destination", "unix:/nonexistent/b",
                                 "--uri", "unix:/m", "--connect-timeout", "300", "--json"});
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_EQ(run.status, 3);
    const auto out = run.json();
    EXPECT_EQ(out["result"], "refused");
    EXPECT_NE(out["error"].get<std::string>().find("cannot reach unix:/nonexistent/nfo-a.qmp"), std::string::npos);
    // tcp: on the loopback, a port nobody listens on (connection refused at once).
    const MigrateRun tcp = run_migrate({"--source", "tcp:127.0.0.1:1", "--destination", "unix:/b", "--uri", "unix:/m",
                                 "--connect-timeout", "300"});
    EXPECT_EQ(tcp.status, 3);
    EXPECT_NE(tcp.err.find("cannot reach tcp:127.0.0.1:1"), std::string::npos) << tcp.err;
}

}  // namespace
}  // namespace nf::orchestrator::test
