// The lab's trusted-VF variant (issue 13) end to end, as `make demo` runs it (variant moved-mbb-trusted-vf;
// configs/trusted-vf.json is the same lab to bring up by hand): the VF veth comes up with the kernel's random
// MAC and the alias vf0 (the VMM's alias=), failoverd pairs it by `--primary-id alias:vf0` and gives it the
// VM's MAC; the headline scenario (orderly unplug and re-plug, then a migration to hostB and back, under a
// 500 pkt/s stream both ways) is held to the MAC-paired lab's bounds (demo_run_test.cpp: target 0, at most
// 2 per step and direction). The unplug used to lose 5-21 each way here: the device channel took the eject
// request of a VF plugged with its own MAC for another pair's and acked it before moving TX and RX to the
// standby (guest_channel.h); measured now 0 both ways, like MAC pairing.
// Own lab: prefix nftv<pid>, subnet 10.82.0.0/24.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/error.h"
#include "lab/demo/demo.h"
#include "lab/demo/report.h"
#include "lab/topology/command_lines.h"
#include "lab/topology/lab.h"

namespace nf::lab::demo {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kTrustedVfLossBound = 2;  // as for the MAC-paired lab (demo_run_test.cpp)

std::string trusted_vf_prefix() { return "nftv" + std::to_string(::getpid() % 10000); }

LabConfig trusted_config_file() { return load_lab_config(fs::path(NF_SOURCE_DIR) / "configs" / "trusted-vf.json"); }

TEST(TrustedVfConfig, TheVariantFileNamesTheVfByItsAliasAndGivesItARandomMac) {
    const LabConfig c = trusted_config_file();
    ASSERT_EQ(c.vms.size(), 1u);
    EXPECT_EQ(c.vms[0].primary.alias, "vf0");
    EXPECT_TRUE(c.vms[0].primary.random_mac);
    EXPECT_EQ(c.vms[0].primary.slot, 4);
    // The VMM gets QEMU's way of naming the VF's slot: a slot number on the VF's root port.
    const auto argv = vmm_command_line(c, c.vms[0], "failover-vmm", "/sys/fs/cgroup");
    EXPECT_NE(std::find(argv.begin(), argv.end(), "pcie-root-port,id=root1,slot=4"), argv.end());
    EXPECT_NE(std::find(argv.begin(), argv.end(),
                        "vfio-pci,id=primary0,host=vf-vm1g,failover_pair_id=standby0,bus=root1,ifname=ens4,alias=vf0"),
              argv.end());
    EXPECT_EQ(c.guest.args, (std::vector<std::string>{"--primary-id", "alias:vf0"}));
    EXPECT_NE(c.prefix, "nfl") << "it can run beside the default lab";
    // Written out only when set, and read back the same.
    const auto j = to_json(c);
    EXPECT_EQ(j["vms"][0]["primary"]["alias"], "vf0");
    EXPECT_EQ(to_json(parse_lab_config(nlohmann::json(j))), j);
    EXPECT_FALSE(to_json(default_lab_config())["vms"][0]["primary"].contains("alias"));
    EXPECT_FALSE(to_json(default_lab_config())["vms"][0]["primary"].contains("slot"));
    for (const auto& [slot, message] : {std::pair{nlohmann::json(9000), "is not 1..8191"},
                                        std::pair{nlohmann::json(-1), "is not 1..8191"},
                                        std::pair{nlohmann::json("4"), "expected an integer"}}) {
        auto bad_slot = nlohmann::json(j);
        bad_slot["vms"][0]["primary"]["slot"] = slot;
        try {
            (void)parse_lab_config(bad_slot);
            ADD_FAILURE() << "slot " << slot << " was accepted";
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find(std::string("vms[0].primary.slot: ")), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
        }
    }
    auto shared_port = nlohmann::json(j);
    shared_port["vms"][0]["primary"]["bus"] = "root0";  // the standby's
    EXPECT_THROW((void)parse_lab_config(shared_port), ConfigError);
    // A bad alias is refused, naming the field.
    auto bad = nlohmann::json(j);
    bad["vms"][0]["primary"]["alias"] = "vf0,host=x";
    try {
        (void)parse_lab_config(bad);
        FAIL() << "an alias with ',' was accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("vms[0].primary.alias"), std::string::npos) << e.what();
    }
}

class TrustedVfDemo : public ::testing::Test {
protected:
    void SetUp() override {
        lab_down(trusted_vf_prefix());
        out_ = fs::temp_directory_path() / ("nf-trusted-vf-demo-" + std::to_string(::getpid()));
        fs::remove_all(out_);
    }
    void TearDown() override {
        lab_down(trusted_vf_prefix());
        fs::remove_all(out_);
    }
    fs::path out_;
};

TEST_F(TrustedVfDemo, PairedByIdItFailsOverLikeTheMacPairedLab) {
    // The demo's variant on the test's own prefix and subnet (the VM's and client's addresses follow).
    const LabConfig config = parse_lab_config({{"prefix", trusted_vf_prefix()}, {"subnet", "10.82.0.0/24"}});
    const Variant variant = *find_variant("moved-mbb-trusted-vf");

    DemoOptions o;
    o.config = config;
    o.out_dir = out_;
    o.variants = {variant};
    o.scenario.rate = 500;
    o.scenario.phase = std::chrono::milliseconds(400);
    o.scenario.port = 47124;
    o.scenario.binary_dirs = {NF_BIN_DIR};
    std::ostringstream out, err;
    const int status = run_demo(o, out, err);
    std::cout << out.str() << err.str();
    ASSERT_EQ(status, kDemoOk) << "stderr:\n" << err.str();

    std::ifstream file_in(out_ / "report.json");
    const auto report = nlohmann::json::parse(file_in);
    ASSERT_EQ(report["variants"].size(), 1u);
    const auto& v = report["variants"][0];
    EXPECT_TRUE(v["ok"].get<bool>());
    std::cout << "[trusted-vf] loss " << v["loss"].dump() << std::endl;
    for (const char* step : {"unplug", "replug"})
        for (const char* direction : {"client-to-vm", "vm-to-client"})
            EXPECT_LE(v["loss"][step][direction].get<std::uint64_t>(), kTrustedVfLossBound)
                << step << " " << direction << ": " << v["loss"].dump();
    // The migrations: the destination's VF (another veth, its own random MAC) is paired by the same id and
    // carries the traffic afterwards. Their loss is not bounded here: on a loaded machine (load ~7) the
    // MAC-paired headline (DemoRunTest) lost 11-12 client->vm in 2 of 3 migrations as this variant lost 13-17,
    // a migration-path matter shared by both pairings, not the trusted VF's.
    ASSERT_EQ(v["migrations"].size(), 2u) << v["migrations"].dump(2);
    for (const auto& m : v["migrations"]) {
        EXPECT_EQ(m["result"], "migrated") << m.dump(2);
        std::cout << "[trusted-vf] " << m["phase"] << " lost " << m["lost"].dump() << std::endl;
    }
    // The VF carried traffic while plugged: it was paired (by its alias) and wore the VM's MAC.
    EXPECT_GT(v["paths_seen"]["vf"]["client-to-vm"].get<std::uint64_t>(), 0u) << v["paths_seen"].dump();
    EXPECT_GT(v["paths_seen"]["vf"]["vm-to-client"].get<std::uint64_t>(), 0u) << v["paths_seen"].dump();
    // failoverd's log says how it paired and what it did to the VF's MAC.
    std::ifstream guest_log(out_ / "logs" / variant.name / "guest-vm1.log");
    const std::string log((std::istreambuf_iterator<char>(guest_log)), std::istreambuf_iterator<char>());
    EXPECT_NE(log.find("carries pair id alias:vf0"), std::string::npos) << log;
    EXPECT_NE(log.find("takes the standby's MAC 52:54:00:00:00:01"), std::string::npos) << log;
    // Every eject request was for our primary and removed make-before-break before the ack.
    EXPECT_NE(log.find("eject request for primary primary0"), std::string::npos) << log;
    EXPECT_EQ(log.find("not ours"), std::string::npos) << log;
}

}  // namespace
}  // namespace nf::lab::demo
