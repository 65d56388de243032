#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "failoverd_control/command_line.h"
#include "failoverd_control/config_layer.h"
#include "temp_dir.h"

namespace nf::daemon {
namespace {

using test::TempDir;

CommandLine parse(std::vector<std::string> args) {
    args.insert(args.begin(), "failoverd");
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

DaemonConfig config(std::vector<std::string> args) {
    auto result = parse(std::move(args));
    EXPECT_TRUE(std::holds_alternative<DaemonConfig>(result));
    return std::get<DaemonConfig>(result);
}

// The ConfigError message, or "" when parsing succeeded.
std::string error_of(std::vector<std::string> args) {
    try {
        parse(std::move(args));
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

std::string file_error(const std::string& json) {
    TempDir dir;
    return error_of({"--config", dir.write("c.json", json)});
}

TEST(DaemonConfig, DefaultsFromStandbyAlone) {
    const auto c = config({"--standby", "ens4"});
    EXPECT_EQ(c.standby.name, "ens4");
    EXPECT_FALSE(c.standby.by_rule());
    EXPECT_EQ(c.master, "ens4");  // the master takes the standby's name; the standby becomes ens4nsby
    EXPECT_EQ(c.model, DeviceModel::three_device);
    EXPECT_EQ(c.datapath, DatapathKind::automatic);
    EXPECT_EQ(c.rx_mode, RxMode::make_before_break);
    EXPECT_EQ(c.rx_grace, std::chrono::milliseconds(100));
    EXPECT_EQ(c.announce.count, 1u);
    EXPECT_EQ(c.announce.interval, std::chrono::milliseconds(50));
    EXPECT_EQ(c.pairing.by, PairingKey::mac);
    EXPECT_EQ(c.control, "/run/netfailover/ens4.sock");
    EXPECT_EQ(c.log_level, "info");
    EXPECT_FALSE(c.foreground);
}

// 2dev: the standby is the master under its own name; --master may only repeat it; nothing is renamed,
// so a standby name too long for the <name>nsby suffix is fine.
TEST(DaemonConfig, TwoDevModelTheStandbyIsTheMaster) {
    auto c = config({"--standby", "ens4", "--model", "2dev"});
    EXPECT_EQ(c.model, DeviceModel::two_device);
    EXPECT_EQ(c.master, "ens4");
    EXPECT_EQ(c.control, "/run/netfailover/ens4.sock");
    c = config({"--standby", "ens4", "--master", "ens4", "--model", "2dev"});
    EXPECT_EQ(c.master, "ens4");
    c = config({"--standby", "abcdefghijkl", "--model", "2dev"});
    EXPECT_EQ(c.master, "abcdefghijkl");
    c = config({"--match-driver", "virtio_net", "--model", "2dev"});
    EXPECT_EQ(c.master, "");  // named by the rule at start
    name_master_after(c, "abcdefghijkl");
    EXPECT_EQ(c.master, "abcdefghijkl");
    EXPECT_EQ(to_string(DeviceModel::two_device), "2dev");
}

TEST(DaemonConfig, EveryFlag) {
    const auto c = config({"--standby", "ens4", "--master", "eth0", "--model", "hidden", "--datapath", "packet",
                           "--rx-mode", "kernel", "--announce", "3", "--announce-interval", "200", "--primary-id",
                           "alias:vf0", "--control", "/tmp/x.sock", "--log-level", "debug", "--foreground"});
    EXPECT_EQ(c.master, "eth0");
    EXPECT_EQ(c.model, DeviceModel::hidden);
    EXPECT_EQ(c.datapath, DatapathKind::packet);
    EXPECT_EQ(c.rx_mode, RxMode::kernel);
    EXPECT_EQ(c.announce.count, 3u);
    EXPECT_EQ(c.announce.interval, std::chrono::milliseconds(200));
    EXPECT_EQ(c.pairing.by, PairingKey::id);   // implied by --primary-id
    EXPECT_EQ(c.pairing.primary_id, "alias:vf0");
    EXPECT_EQ(c.control, "/tmp/x.sock");
    EXPECT_EQ(c.log_level, "debug");
    EXPECT_TRUE(c.foreground);
}

TEST(DaemonConfig, MatchRulesFromFlags) {
    const auto c = config({"--match-driver", "virtio_net", "--match-name", "ens*", "--match-virtio-standby"});
    EXPECT_FALSE(c.standby.name);
    EXPECT_EQ(c.standby.driver, "virtio_net");
    EXPECT_EQ(c.standby.name_glob, "ens*");
    EXPECT_TRUE(c.standby.virtio_standby_feature);
    // The master takes the name of the standby the rules find: known only at start.
    EXPECT_EQ(c.master, "");
    EXPECT_EQ(c.control, "");
    EXPECT_EQ(resolve(parse_config_json(to_json(c), "dump"), {}), c);
}

TEST(DaemonConfig, MasterTakesTheStandbysName) {
    EXPECT_EQ(renamed_standby("ens4"), "ens4nsby");
    EXPECT_EQ(renamed_standby("abcdefghijk"), "abcdefghijknsby");  // 15: the longest
    // Spelling the default out is the same as leaving it.
    EXPECT_EQ(config({"--standby", "ens4", "--master", "ens4"}), config({"--standby", "ens4"}));
    // --master: the standby keeps its name.
    EXPECT_EQ(config({"--standby", "ens4", "--master", "eth0"}).master, "eth0");

    auto by_rule = config({"--match-driver", "virtio_net"});
    name_master_after(by_rule, "ens5");
    EXPECT_EQ(by_rule.master, "ens5");
    EXPECT_EQ(by_rule.control, "/run/netfailover/ens5.sock");
    auto with_control = config({"--match-driver", "virtio_net", "--control", "/tmp/c.sock"});
    name_master_after(with_control, "ens5");
    EXPECT_EQ(with_control.control, "/tmp/c.sock");
    auto given = config({"--match-driver", "virtio_net", "--master", "eth0"});
    EXPECT_EQ(given.control, "/run/netfailover/eth0.sock");
    name_master_after(given, "ens5");
    EXPECT_EQ(given.master, "eth0");
    auto too_long = config({"--match-driver", "virtio_net"});
    try {
        name_master_after(too_long, "abcdefghijkl");
        ADD_FAILURE() << "no error for a standby name too long to rename";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("abcdefghijklnsby"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("give --master"), std::string::npos) << e.what();
    }
}

TEST(DaemonConfig, ReadsEveryFieldFromFile) {
    TempDir dir;
    const auto path = dir.write("c.json", R"({
        "standby_match": {"driver": "virtio_net", "name_glob": "ens*", "virtio_standby_feature": true},
        "master": "eth0", "model": "hidden", "datapath": "bpf", "rx_mode": "kernel",
        "announce": {"count": 5, "interval_ms": 100}, "pairing": {"by": "id", "primary_id": "slot:3"},
        "control": "/tmp/f.sock", "log_level": "warn", "foreground": true})");
    const auto c = config({"--config", path});
    EXPECT_EQ(c.standby.driver, "virtio_net");
    EXPECT_EQ(c.standby.name_glob, "ens*");
    EXPECT_TRUE(c.standby.virtio_standby_feature);
    EXPECT_EQ(c.master, "eth0");
    EXPECT_EQ(c.model, DeviceModel::hidden);
    EXPECT_EQ(c.datapath, DatapathKind::bpf);
    EXPECT_EQ(c.rx_mode, RxMode::kernel);
    EXPECT_EQ(c.announce, (AnnouncePolicy{5, std::chrono::milliseconds(100)}));
    EXPECT_EQ(c.pairing, (Pairing{PairingKey::id, "slot:3"}));
    EXPECT_EQ(c.control, "/tmp/f.sock");
    EXPECT_EQ(c.log_level, "warn");
    EXPECT_TRUE(c.foreground);
}

TEST(DaemonConfig, FlagsWinOverFile) {
    TempDir dir;
    const auto path = dir.write("c.json", R"({"standby": "ens4", "model": "hidden", "announce": 4,
                                              "datapath": "bpf", "master": "m0"})");
    const auto c = config({"--config", path, "--model", "3dev", "--announce", "0"});
    EXPECT_EQ(c.standby.name, "ens4");
    EXPECT_EQ(c.model, DeviceModel::three_device);
    EXPECT_EQ(c.announce.count, 0u);
    EXPECT_EQ(c.datapath, DatapathKind::bpf);   // not given as a flag: the file's value stays
    EXPECT_EQ(c.master, "m0");
}

TEST(DaemonConfig, StandbyFlagReplacesFileRules) {
    // The systemd unit passes --standby %i; a shared file with rules must not conflict with it.
    TempDir dir;
    const auto path = dir.write("c.json", R"({"standby_match": {"driver": "virtio_net"}})");
    const auto c = config({"--config", path, "--standby", "ens5"});
    EXPECT_EQ(c.standby, (StandbyMatch{.name = "ens5"}));
}

TEST(DaemonConfig, ToJsonRoundTripsThroughTheFileParser) {
    const auto c = config({"--match-driver", "virtio_net", "--model", "hidden", "--primary-id", "acpi-index:7", "--announce", "7"});
    const auto again = resolve(parse_config_json(to_json(c), "dump"), {});
    EXPECT_EQ(again, c);
}

TEST(DaemonConfig, DeviceChannel) {
    const auto none = config({"--standby", "ens4"});
    EXPECT_EQ(none.device_channel, "");
    EXPECT_TRUE(none.standby_ack);
    const auto c = config({"--standby", "ens4", "--device-channel", "/run/x/vm1.chan", "--no-standby-ack"});
    EXPECT_EQ(c.device_channel, "/run/x/vm1.chan");
    EXPECT_FALSE(c.standby_ack);
    EXPECT_EQ(resolve(parse_config_json(to_json(c), "dump"), {}), c);
    TempDir dir;
    const auto f = config({"--config", dir.write("c.json", R"({"standby":"ens4","device_channel":"/run/y.chan",
        "standby_ack":false})")});
    EXPECT_EQ(f.device_channel, "/run/y.chan");
    EXPECT_FALSE(f.standby_ack);
    EXPECT_NE(error_of({"--standby", "ens4", "--device-channel", "rel.chan"}).find("--device-channel"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","device_channel":"x"})").find("device_channel:"), std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","standby_ack":"no"})").find("standby_ack: expected true or false"),
              std::string::npos);
}

TEST(DaemonConfig, StandbyConfig) {
    EXPECT_EQ(config({"--standby", "ens4"}).standby_config, StandbyConfig::takeover);
    const auto refuse = config({"--standby", "ens4", "--standby-config", "refuse"});
    EXPECT_EQ(refuse.standby_config, StandbyConfig::refuse);
    EXPECT_EQ(to_json(refuse)["standby_config"], "refuse");
    EXPECT_EQ(resolve(parse_config_json(to_json(refuse), "dump"), {}), refuse);
    TempDir dir;
    const auto path = dir.write("c.json", R"({"standby": "ens4", "standby_config": "refuse"})");
    EXPECT_EQ(config({"--config", path}).standby_config, StandbyConfig::refuse);
    EXPECT_EQ(config({"--config", path, "--standby-config", "takeover"}).standby_config,
              StandbyConfig::takeover);  // flag wins
    EXPECT_NE(error_of({"--standby", "ens4", "--standby-config", "keep"}).find("--standby-config"), std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","standby_config":"keep"})").find("standby_config"), std::string::npos);
}

TEST(DaemonConfig, RxGrace) {
    EXPECT_EQ(config({"--standby", "ens4", "--rx-grace", "250"}).rx_grace, std::chrono::milliseconds(250));
    EXPECT_EQ(config({"--standby", "ens4", "--rx-grace", "0"}).rx_grace, std::chrono::milliseconds(0));
    EXPECT_EQ(config({"--standby", "ens4", "--rx-grace", "10000"}).rx_grace, std::chrono::milliseconds(10000));
    EXPECT_NE(error_of({"--standby", "ens4", "--rx-grace", "10001"}).find("--rx-grace: 10001 ms is out of range 0...10000"),
              std::string::npos);
    EXPECT_NE(error_of({"--standby", "ens4", "--rx-grace", "-1"}).find("--rx-grace"), std::string::npos);
    EXPECT_NE(error_of({"--standby", "ens4", "--rx-grace", "x"}).find("--rx-grace"), std::string::npos);
    TempDir dir;
    const auto path = dir.write("c.json", R"({"standby": "ens4", "rx_grace_ms": 40})");
    const auto f = config({"--config", path});
    EXPECT_EQ(f.rx_grace, std::chrono::milliseconds(40));
    EXPECT_EQ(config({"--config", path, "--rx-grace", "7"}).rx_grace, std::chrono::milliseconds(7));  // flag wins
    EXPECT_EQ(to_json(f)["rx_grace_ms"], 40);
    EXPECT_EQ(resolve(parse_config_json(to_json(f), "dump"), {}), f);
    EXPECT_NE(file_error(R"({"standby":"ens4","rx_grace_ms":20000})").find("rx_grace_ms"), std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","rx_grace_ms":"5"})").find("rx_grace_ms"), std::string::npos);
}

TEST(DaemonConfig, HelpAndVersionExitEarlyWithoutAStandby) {
    const auto help = parse({"--help"});
    ASSERT_TRUE(std::holds_alternative<EarlyExit>(help));
    EXPECT_NE(std::get<EarlyExit>(help).text.find("EXIT STATUS"), std::string::npos);
    const auto version = parse({"--version"});
    ASSERT_TRUE(std::holds_alternative<EarlyExit>(version));
    EXPECT_NE(std::get<EarlyExit>(version).text.find("failoverd"), std::string::npos);
}

TEST(DaemonConfig, HelpDocumentsEveryOptionAndChoice) {
    const std::string help(failoverd_help());
    for (const char* word :
         {"--standby", "--master", "--model", "--datapath", "--rx-mode", "--announce ", "--announce-interval",
          "--pair-by", "--primary-id", "--match-driver", "--match-name", "--match-virtio-standby", "--all-matches", "--control",
          "--config", "--log-level", "--foreground", "--device-channel", "--control-group", "--no-standby-ack", "--rx-grace", "--version", "--help", "3dev", "hidden", "2dev", "bpf", "packet",
          "make-before-break", "kernel", "EXIT STATUS", "FILES", "EXAMPLES", "STANDBY RULES", "ALL PAIRS", "CONFIG FILE",
          "/run/netfailover/<master>.sock", "bit 62"})
        EXPECT_NE(help.find(word), std::string::npos) << word;
}

// --all-matches: one pair per standby the rules select; the pairs' sockets go into a directory.
TEST(DaemonConfig, AllMatches) {
    const auto c = config({"--all-matches", "--match-name", "ens*", "--datapath", "bpf"});
    EXPECT_TRUE(c.all_matches);
    EXPECT_EQ(c.standby.name_glob, "ens*");
    EXPECT_EQ(c.master, "");
    EXPECT_EQ(c.control, "/run/netfailover");
    EXPECT_EQ(c.datapath, DatapathKind::bpf);
    EXPECT_EQ(config({"--all-matches", "--match-virtio-standby", "--control", "/run/nf-pairs"}).control, "/run/nf-pairs");
    EXPECT_FALSE(config({"--match-name", "ens*"}).all_matches) << "without the flag the rules still pick one";
    // What a pair's daemon gets (to_json of the supervisor's settings) does not carry the flag on.
    EXPECT_FALSE(to_json(c).contains("all_matches"));
}

TEST(DaemonConfigErrors, AllMatchesRefusesWhatNamesOnePair) {
    const auto refused = [](std::vector<std::string> args, const std::string& why) {
        const std::string e = error_of(std::move(args));
        EXPECT_NE(e.find("--all-matches: " + why), std::string::npos) << e;
    };
    refused({"--all-matches", "--standby", "ens4"}, "needs standby rules");
    refused({"--all-matches", "--match-name", "ens*", "--master", "eth0"}, "each pair's master takes its standby's name");
    refused({"--all-matches", "--match-name", "ens*", "--model", "hidden"}, "--model hidden");
    refused({"--all-matches", "--match-name", "ens*", "--primary-id", "alias:x"}, "--pair-by id");
    refused({"--all-matches", "--match-name", "ens*", "--device-channel", "/run/x.sock"}, "--device-channel");
    EXPECT_NE(error_of({"--all-matches"}).find("standby: no standby given"), std::string::npos);
}

// Every validation error names the flag or field it is about.
TEST(DaemonConfigErrors, FlagErrorsNameTheFlag) {
    EXPECT_NE(error_of({}).find("standby"), std::string::npos);
    EXPECT_NE(error_of({"--standby", "abcdefghijklmnop"}).find("--standby: interface name 'abcdefghijklmnop' is longer than 15"),
              std::string::npos);
    EXPECT_NE(error_of({"--standby", "a/b"}).find("--standby"), std::string::npos);
    EXPECT_NE(error_of({"--standby", "ens4", "--master", "x y"}).find("--master"), std::string::npos);
    EXPECT_EQ(error_of({"--standby", "ens4", "--model", "4dev"}), "--model: '4dev' is not one of 3dev, hidden, 2dev");
    EXPECT_NE(error_of({"--standby", "ens4", "--master", "eth0", "--model", "2dev"}).find("master: with model 2dev the standby itself is the master"),
              std::string::npos);
    EXPECT_EQ(error_of({"--standby", "ens4", "--datapath", "xdp"}), "--datapath: 'xdp' is not one of auto, bpf, packet");
    EXPECT_EQ(error_of({"--standby", "ens4", "--rx-mode", "x"}),
              "--rx-mode: 'x' is not one of make-before-break, kernel");
    EXPECT_EQ(error_of({"--standby", "ens4", "--announce", "256"}), "--announce: 256 is out of range 0...255");
    EXPECT_EQ(error_of({"--standby", "ens4", "--announce", "-1"}), "--announce: -1 is out of range 0...255");
    EXPECT_EQ(error_of({"--standby", "ens4", "--announce", "lots"}), "--announce: 'lots' is not a whole number");
    EXPECT_NE(error_of({"--standby", "ens4", "--announce-interval", "60001"}).find("--announce-interval"),
              std::string::npos);
    EXPECT_NE(error_of({"--standby", "ens4", "--pair-by", "serial"}).find("--pair-by: 'serial' is not one of mac, id"),
              std::string::npos);
    EXPECT_NE(error_of({"--standby", "ens4", "--pair-by", "id"}).find("pairing.primary_id"), std::string::npos);
    EXPECT_NE(error_of({"--standby", "ens4", "--pair-by", "mac", "--primary-id", "alias:x"}).find("pairing.primary_id"),
              std::string::npos);
    EXPECT_NE(error_of({"--standby", "ens4", "--control", "relative.sock"}).find("--control"), std::string::npos);
    EXPECT_NE(error_of({"--standby", "ens4", "--control", "/" + std::string(200, 'a')}).find("--control"),
              std::string::npos);
    EXPECT_NE(error_of({"--standby", "ens4", "--log-level", "loud"}).find("--log-level: 'loud'"), std::string::npos);
    EXPECT_NE(error_of({"--standby", "ens4", "--match-driver", "virtio_net"}).find("not both"), std::string::npos);
    EXPECT_NE(error_of({"--standby", "ens4", "--bogus"}).find("--bogus"), std::string::npos);
    EXPECT_NE(error_of({"--standby", "abcdefghijkl"}).find("'abcdefghijklnsby'"), std::string::npos);
    EXPECT_NE(error_of({"--standby", "abcdefghijkl"}).find("give --master"), std::string::npos);
    EXPECT_EQ(error_of({"--standby", "abcdefghijkl", "--master", "eth0"}), "");
    EXPECT_NE(error_of({"--config", "/nonexistent/nf.json"}).find("config file /nonexistent/nf.json: cannot open"),
              std::string::npos);
}

TEST(DaemonConfigErrors, FileErrorsNameTheField) {
    EXPECT_NE(file_error("{not json").find("not valid JSON"), std::string::npos);
    EXPECT_NE(file_error("[1]").find("expected a JSON object"), std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","runner":{}})").find("unknown field 'runner'"), std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","announce":{"count":1,"intervall_ms":5}})")
                  .find("unknown field 'announce.intervall_ms'"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby_match":{"drivr":"x"}})").find("unknown field 'standby_match.drivr'"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby_match":{}})").find("standby_match: give at least one rule"), std::string::npos);
    EXPECT_NE(file_error(R"({"standby_match":{"virtio_standby_feature":"yes"}})")
                  .find("standby_match.virtio_standby_feature: expected true or false"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","standby_match":{"driver":"x"}})").find("not both"), std::string::npos);
    EXPECT_NE(file_error(R"({"standby":4})").find("standby: expected a string"), std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"waytoolonginterface"})").find("standby: interface name"), std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","model":"x"})").find("model: 'x' is not one of 3dev, hidden, 2dev"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","datapath":"x"})").find("datapath: 'x' is not one of auto, bpf, packet"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","rx_mode":"x"})").find("rx_mode: 'x' is not one of"), std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","announce":{"count":300}})").find("announce.count: 300 is out of range"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","announce":{"count":1.5}})").find("announce.count: expected an integer"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","announce":-2})").find("announce: -2 is out of range"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","pairing":{"by":"x"}})").find("pairing.by: 'x' is not one of mac, id"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","pairing":{"by":"id"}})").find("pairing.primary_id: required"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","control":"x.sock"})").find("control: control socket path"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","foreground":1})").find("foreground: expected true or false"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","master":""})").find("master: interface name is empty"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","log_level":"x"})").find("log_level: 'x'"), std::string::npos);
}

// Issue 9, defect 3: every numeric field refuses overflow, floats and out-of-range integers by name.
TEST(DaemonConfigErrors, NumbersOutOfRangeNameTheField) {
    EXPECT_NE(file_error(R"({"standby":"ens4","rx_grace_ms":1e999})").find("rx_grace_ms: not valid JSON: number overflow parsing '1e999'"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","announce":{"interval_ms":-1e999}})").find("announce.interval_ms: not valid JSON"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","announce":{"count":1e300}})").find("announce.count: expected an integer, got 1e+300"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","announce":18446744073709551615})").find("announce: 18446744073709551615 is out of range"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","rx_grace_ms":-9223372036854775808})").find("rx_grace_ms: -9223372036854775808 is out of range"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","rx_grace_ms":99999999999999999999})").find("rx_grace_ms: expected an integer"),
              std::string::npos);
    EXPECT_NE(file_error(R"({"standby":"ens4","pairing":)" + std::string(64, '[') + std::string(64, ']') + "}")
                  .find(": not valid JSON: JSON nested deeper than 32 levels"),
              std::string::npos);
}

TEST(DaemonConfig, ControlGroup) {
    EXPECT_EQ(error_of({"--standby", "ens4", "--control-group", "no-such-group-hi"}), "--control-group: no group 'no-such-group-hi'");
    EXPECT_NE(file_error(R"({"standby":"ens4","control_group":"no-such-group-hi"})").find("control_group: no group 'no-such-group-hi'"),
              std::string::npos);
    EXPECT_EQ(error_of({"--standby", "ens4", "--control-group", "0"}), "");
}

TEST(DaemonConfigErrors, FileErrorsNameTheFile) {
    TempDir dir;
    const auto path = dir.write("bad.json", R"({"model":"x"})");
    EXPECT_EQ(error_of({"--config", path}), "config file " + path + ": model: 'x' is not one of 3dev, hidden, 2dev");
}

TEST(DaemonConfig, ShippedExampleConfigsParse) {
    for (const char* name : {"3dev-bpf.json", "hidden-packet.json", "kernel-rx.json", "by-rule.json", "2dev-bpf.json"}) {
        const std::string path = std::string(NF_SOURCE_DIR) + "/configs/" + name;
        EXPECT_NO_THROW(resolve(read_config_file(path), {})) << path;
    }
}

}  // namespace
}  // namespace nf::daemon
