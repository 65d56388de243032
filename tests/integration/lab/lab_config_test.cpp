// LabConfig: the built-in default is the contract's lab; the JSON is strict and errors name the field.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>

#include "common/error.h"
#include "lab/topology/lab_config.h"
#include "lab/topology/lab_names.h"

namespace nf::lab {
namespace {

using nlohmann::json;

// Runs `f` and returns the ConfigError message, or fails the test.
template <class F>
std::string config_error(F&& f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no ConfigError";
    return "";
}

std::string parse_error(const json& j) {
    return config_error([&] { parse_lab_config(j); });
}

json default_with(const std::string& pointer, const json& value) {
    json j = to_json(default_lab_config());
    j[json::json_pointer(pointer)] = value;
    return j;
}

TEST(LabConfigDefault, IsTheContractLab) {
    const auto c = default_lab_config();
    EXPECT_EQ(c.prefix, "nfl");
    EXPECT_EQ(c.subnet.to_string(), "10.77.0.0/24");
    ASSERT_EQ(c.hosts.size(), 2u);
    EXPECT_EQ(c.hosts[0].name, "hostA");
    EXPECT_EQ(c.hosts[1].name, "hostB");
    ASSERT_EQ(c.clients.size(), 1u);
    EXPECT_EQ(c.clients[0].ip.to_string(), "10.77.0.100/24");
    EXPECT_EQ(LabNames(c.prefix).netns(c.clients[0].name), "nfl-client");
    ASSERT_EQ(c.vms.size(), 1u);
    const auto& vm = c.vms[0];
    EXPECT_EQ(vm.name, "vm1");
    EXPECT_EQ(vm.host, "hostA");
    EXPECT_EQ(vm.mac.to_string(), "52:54:00:00:00:01");
    EXPECT_EQ(vm.standby.id, "standby0");
    EXPECT_EQ(vm.standby.ifname, "eth0");
    EXPECT_EQ(vm.primary.id, "primary0");
    EXPECT_EQ(vm.primary.driver, "vfio-pci");
    EXPECT_EQ(vm.primary.ifname, "ens4");
    EXPECT_EQ(c.vf_filter, VfFilter::WhileBound) << "the default lab shows the fixed behaviour: the filter moves";
    EXPECT_TRUE(c.vmm.start);
    EXPECT_TRUE(c.guest.start);
}

TEST(LabConfigDefault, ShippedFileIsTheDefaultWrittenOut) {
    std::ifstream in(NF_SOURCE_DIR "/configs/lab-default.json");
    ASSERT_TRUE(in) << "configs/lab-default.json";
    EXPECT_EQ(json::parse(in), json(to_json(default_lab_config())));
}

// The stale filter (as QEMU leaves it) is the shipped variant: the default with only vf_filter changed.
TEST(LabConfigDefault, ShippedStaleVariantDiffersOnlyInTheFilter) {
    std::ifstream in(NF_SOURCE_DIR "/configs/lab-stale.json");
    ASSERT_TRUE(in) << "configs/lab-stale.json";
    const auto c = parse_lab_config(json::parse(in));
    EXPECT_EQ(c.vf_filter, VfFilter::Stale);
    auto expected = default_lab_config();
    expected.vf_filter = VfFilter::Stale;
    EXPECT_EQ(to_json(c), to_json(expected));
}

TEST(LabConfigParse, FilterNamesMovedAndStaleAndTheVmmsOldName) {
    EXPECT_EQ(parse_lab_config(default_with("/vf_filter", "moved")).vf_filter, VfFilter::WhileBound);
    EXPECT_EQ(parse_lab_config(default_with("/vf_filter", "while-bound")).vf_filter, VfFilter::WhileBound);
    EXPECT_EQ(parse_lab_config(default_with("/vf_filter", "stale")).vf_filter, VfFilter::Stale);
    EXPECT_STREQ(to_string(VfFilter::WhileBound), "moved");
    EXPECT_STREQ(vmm_policy(VfFilter::WhileBound), "while-bound");
    EXPECT_STREQ(vmm_policy(VfFilter::Stale), "stale");
    try {
        parse_lab_config(default_with("/vf_filter", "sticky"));
        FAIL() << "an unknown filter was accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("vf_filter: 'sticky' is not one of moved, stale"), std::string::npos) << e.what();
    }
}

TEST(LabConfigParse, EmptyObjectIsTheDefault) {
    EXPECT_EQ(to_json(parse_lab_config(json::object())), to_json(default_lab_config()));
}

TEST(LabConfigParse, RoundTrips) {
    auto j = default_with("/vf_filter", "while-bound");
    j["guest"]["args"] = {"--datapath", "packet"};
    const auto c = parse_lab_config(j);
    EXPECT_EQ(c.vf_filter, VfFilter::WhileBound);
    EXPECT_EQ(c.guest.args, (std::vector<std::string>{"--datapath", "packet"}));
    EXPECT_EQ(to_json(parse_lab_config(to_json(c))), to_json(c));
}

TEST(LabConfigParse, MovedSubnetMovesTheDefaultAddresses) {
    const auto c = parse_lab_config({{"subnet", "10.80.1.0/24"}});
    EXPECT_EQ(c.clients[0].ip.to_string(), "10.80.1.100/24");
    EXPECT_EQ(c.vms[0].ip.to_string(), "10.80.1.10/24");
}

TEST(LabConfigParse, LeftOutVmFieldsTakeDefaultsByIndex) {
    const auto c = parse_lab_config({{"vms", {{{"name", "a"}, {"host", "hostA"}}, {{"name", "b"}, {"host", "hostB"}, {"ip", "10.77.0.50"}}}}});
    ASSERT_EQ(c.vms.size(), 2u);
    EXPECT_EQ(c.vms[0].mac.to_string(), "52:54:00:00:00:01");
    EXPECT_EQ(c.vms[1].mac.to_string(), "52:54:00:00:00:02");
    EXPECT_EQ(c.vms[1].ip.to_string(), "10.77.0.50/24");  // a bare address takes the subnet's length
    EXPECT_EQ(c.vms[1].standby.id, "standby0");
}

TEST(LabConfigParse, UnknownFieldsAreNamed) {
    EXPECT_EQ(parse_error({{"prefx", "x"}}), "prefx: unknown field");
    EXPECT_EQ(parse_error(default_with("/vms/0/standby/idd", "x")), "vms[0].standby.idd: unknown field");
    EXPECT_EQ(parse_error(default_with("/hosts/1/nic", "x")), "hosts[1].nic: unknown field");
    EXPECT_EQ(parse_error(default_with("/guest/foreground", true)), "guest.foreground: unknown field");
}

TEST(LabConfigParse, WrongTypesAreNamed) {
    EXPECT_EQ(parse_error(default_with("/vmm/start", "yes")), "vmm.start: expected true or false");
    EXPECT_EQ(parse_error(default_with("/hosts", "hostA")), "hosts: expected an array");
    EXPECT_EQ(parse_error(default_with("/guest/args/0", 3)), "guest.args[0]: expected a string");
    EXPECT_EQ(parse_error(json::array()), "the lab config: expected a JSON object");
    EXPECT_NE(parse_error(default_with("/vms/0", {{"host", "hostA"}})).find("vms[0].name: missing"), std::string::npos);
}

TEST(LabConfigParse, BadValuesAreNamed) {
    EXPECT_NE(parse_error(default_with("/vms/0/mac", "52:54:00:00:01")).find("vms[0].mac:"), std::string::npos);
    EXPECT_NE(parse_error(default_with("/vms/0/mac", "01:00:5e:00:00:01")).find("vms[0].mac: '01:00:5e:00:00:01' must be a unicast"),
              std::string::npos);
    EXPECT_EQ(parse_error(default_with("/vms/0/host", "hostC")), "vms[0].host: unknown host 'hostC' (not in hosts[])");
    EXPECT_NE(parse_error(default_with("/vf_filter", "always")).find("vf_filter: 'always'"), std::string::npos);
    EXPECT_NE(parse_error(default_with("/subnet", "192.168.0.0/24")).find("subnet:"), std::string::npos);
    EXPECT_NE(parse_error(default_with("/subnet", "10.77.0.1/24")).find("host bits"), std::string::npos);
    EXPECT_NE(parse_error(default_with("/vms/0/ip", "10.78.0.10/24")).find("vms[0].ip: '10.78.0.10/24' is not in the lab subnet"),
              std::string::npos);
    EXPECT_NE(parse_error(default_with("/clients/0/ip", "10.77.0.10")).find("vms[0].ip: '10.77.0.10' is already used by clients[0].ip") ,
              std::string::npos);
    EXPECT_NE(parse_error(default_with("/prefix", "NF-L")).find("prefix:"), std::string::npos);
    EXPECT_NE(parse_error(default_with("/prefix", "")).find("prefix:"), std::string::npos);
    EXPECT_NE(parse_error(default_with("/vms/0/name", "averyveryverylongname")).find("vms[0].name:"), std::string::npos);
    EXPECT_NE(parse_error(default_with("/vms/0/name", "hostA")).find("vms[0].name: name 'hostA' is already used by hosts[0].name"),
              std::string::npos);
    EXPECT_NE(parse_error(default_with("/hosts/0/name", "tor")).find("hosts[0].name: name 'tor'"), std::string::npos);
    EXPECT_NE(parse_error(default_with("/vms/0/primary/id", "standby0")).find("vms[0].primary.id:"), std::string::npos);
    EXPECT_NE(parse_error(default_with("/vms/0/primary/bus", "a,b")).find("vms[0].primary.bus:"), std::string::npos);
    EXPECT_NE(parse_error(default_with("/vms/0/standby/ifname", "a-much-too-long-name")).find("vms[0].standby.ifname:"),
              std::string::npos);
    EXPECT_NE(parse_error(default_with("/hosts", json::array())).find("hosts:"), std::string::npos);
}

TEST(LabConfigLoad, FileErrorsNameTheFile) {
    const auto file = std::filesystem::temp_directory_path() / ("nflt-config-" + std::to_string(::getpid()) + ".json");
    {
        std::ofstream out(file);
        out << R"({"vms": [{"name": "vm1", "host": "nowhere"}]})";
    }
    const auto message = config_error([&] { load_lab_config(file); });
    std::filesystem::remove(file);
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find("vms[0].host: unknown host 'nowhere'"), std::string::npos) << message;
    EXPECT_NE(config_error([] { load_lab_config("/nonexistent/lab.json"); }).find("/nonexistent/lab.json"), std::string::npos);
}

// Issue 9, defect 3: "1e999" used to escape load_lab_config as json::out_of_range (exit 1 or terminate).
TEST(LabConfigLoad, NumberOverflowAndNestingNameTheField) {
    const auto file = std::filesystem::temp_directory_path() / ("nflt-config-big-" + std::to_string(::getpid()) + ".json");
    const auto load_text = [&](const std::string& text) {
        {
            std::ofstream out(file);
            out << text;
        }
        return config_error([&] { load_lab_config(file); });
    };
    const auto overflow = load_text(R"({"vms": [{"name": "vm1", "host": "hostA"}, {"name": 1e999}]})");
    EXPECT_NE(overflow.find("vms[1].name: number overflow parsing '1e999'"), std::string::npos) << overflow;
    const auto deep = load_text(R"({"guest": {"args": )" + std::string(100, '[') + std::string(100, ']') + "}}");
    EXPECT_NE(deep.find("nested deeper than"), std::string::npos) << deep;
    EXPECT_NE(load_text(R"({"prefix": 12})").find("prefix: expected a string"), std::string::npos);

    // At the level a user meets it: failover-lab exits 2 (usage) with the message, no abort.
    {
        std::ofstream out(file);
        out << R"({"subnet": -1e400})";
    }
    const std::string command = std::string(NF_LAB_BIN) + " config --config " + file.string() + " 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    std::string output;
    char buffer[512];
    while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    const int status = ::pclose(pipe);
    std::filesystem::remove(file);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << status << " " << output;
    EXPECT_NE(output.find("subnet: number overflow parsing '-1e400'"), std::string::npos) << output;
}

}  // namespace
}  // namespace nf::lab
