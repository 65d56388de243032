#include <gtest/gtest.h>

#include "common/error.h"
#include "failoverd_control/control_target.h"
#include "failoverd_control/status_report.h"
#include "temp_dir.h"

namespace nf::daemon {
namespace {

StatusReport sample() {
    StatusReport r;
    r.master = "eth0";
    r.model = "3dev";
    r.datapath = "bpf";
    r.rx_mode = "make-before-break";
    r.active = "primary";
    r.primary = {"ens5", 4, true, true, true};
    r.standby = {"ens4", 3, true, true, false};
    r.counters = {100, 200, 3, 7, 2};
    r.uevents = {true, 40, 1, 2, 3, 4, 1};
    return r;
}

TEST(StatusReport, JsonHasTheDocumentedSchema) {
    const auto j = to_json(sample());
    for (const char* key : {"master", "model", "datapath", "rx_mode", "active", "primary", "standby", "counters"})
        EXPECT_TRUE(j.contains(key)) << key;
    for (const char* key : {"name", "ifindex", "present", "up", "carrier"}) {
        EXPECT_TRUE(j["primary"].contains(key)) << key;
        EXPECT_TRUE(j["standby"].contains(key)) << key;
    }
    for (const char* key : {"tx_packets", "rx_packets", "tx_dropped", "failovers", "primary_leaving"})
        EXPECT_TRUE(j["counters"].contains(key)) << key;
    EXPECT_EQ(j["primary"]["ifindex"], 4);
    EXPECT_EQ(j["standby"]["carrier"], false);
    EXPECT_EQ(j["counters"]["failovers"], 7);
    EXPECT_EQ(j["counters"]["primary_leaving"], 2);
    EXPECT_EQ(j["uevents"], (nlohmann::json{{"listening", true}, {"received", 40}, {"not_kernel", 1}, {"malformed", 2},
                                            {"overruns", 3}, {"errors", 4}, {"leave_expired", 1}}));
}

TEST(StatusReport, TableShowsEverything) {
    const std::string table = format_status(to_json(sample()));
    EXPECT_EQ(table,
              "master      eth0\n"
              "model       3dev\n"
              "datapath    bpf\n"
              "rx-mode     make-before-break\n"
              "active      primary\n"
              "\n"
              "slave    name             ifindex  present  up   carrier\n"
              "primary  ens5             4        yes      yes  yes\n"
              "standby  ens4             3        yes      yes  no\n"
              "\n"
              "tx_packets  100\n"
              "rx_packets  200\n"
              "tx_dropped  3\n"
              "failovers   7\n");
}

TEST(StatusReport, TableMarksAForcedChoiceAndMissingFields) {
    auto r = sample();
    r.active_choice = "standby";
    r.active = "standby";
    r.primary = {};
    const std::string table = format_status(to_json(r));
    EXPECT_NE(table.find("active      standby (forced: standby)\n"), std::string::npos) << table;
    EXPECT_NE(table.find("primary  -                0        no       no   no\n"), std::string::npos) << table;
    EXPECT_NE(format_status(nlohmann::json::object()).find("master      -\n"), std::string::npos);
}

TEST(ControlTarget, ExplicitPathOrMasterWins) {
    EXPECT_EQ(choose_control_path(std::string("/x.sock"), std::string("eth0"), "/run/netfailover"), "/x.sock");
    EXPECT_EQ(choose_control_path(std::nullopt, std::string("eth0"), "/run/netfailover"),
              "/run/netfailover/eth0.sock");
    EXPECT_THROW(choose_control_path(std::nullopt, std::string("bad/name"), "/run/netfailover"), ConfigError);
}

TEST(ControlTarget, FindsTheOnlyDaemon) {
    test::TempDir dir;
    EXPECT_THROW(choose_control_path(std::nullopt, std::nullopt, dir.path().string()), ConfigError);
    dir.write("not-a-socket.sock", "");
    EXPECT_THROW(choose_control_path(std::nullopt, std::nullopt, dir.path().string()), ConfigError);
}

}  // namespace
}  // namespace nf::daemon
