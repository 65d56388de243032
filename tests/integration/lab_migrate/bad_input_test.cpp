// Bad input to `failover-lab migrate`: a clear message, exit 2, and nothing changed (state file, VMM).
#include <filesystem>
#include <fstream>
#include <sstream>

#include "lab_migrate_fixture.h"

namespace nf::lab::test {
namespace {

std::string read_state(const LabNames& names) {
    std::ifstream in(names.state_file());
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST_F(LabMigrate, BadInputIsAUsageErrorAndChangesNothing) {
    const std::string state = read_state(names());
    const auto vmm_pid = status()["vms"][0]["vmm"]["pid"].get<int>();
    const std::string p = prefix();
    const struct {
        std::vector<std::string> args;
        std::string message;
    } cases[] = {
        {{"migrate", "vm9", "--to", "hostB", "--prefix", p}, "lab '" + p + "' has no VM 'vm9' (VMs: vm1)"},
        {{"migrate", "vm1", "--to", "hostC", "--prefix", p}, "lab '" + p + "' has no host 'hostC' (hosts: hostA, hostB)"},
        {{"migrate", "vm1", "--to", "hostA", "--prefix", p}, "vm1 already runs on hostA"},
        {{"migrate", "vm1", "--to", "hostB", "--prefix", "nflmdown"},
         "lab 'nflmdown' is not up (no /run/netfailover/nflmdown/state.json); run `failover-lab up` first"},
        {{"migrate", "vm1", "--prefix", p}, "--to is required"},
        {{"migrate", "--to", "hostB", "--prefix", p}, "vm is required"},
        {{"migrate", "vm1", "--to", "hostB", "--prefix", p, "--bogus"}, "--bogus"},
        {{"migrate", "vm1", "--to", "hostB", "--prefix", "../x"}, "prefix"},
    };
    // --config names the lab by its config's prefix, as --prefix does.
    const auto config_file = std::filesystem::temp_directory_path() / ("nflm-config-" + p + ".json");
    std::ofstream(config_file) << nlohmann::json{{"prefix", p}, {"subnet", "10.84.0.0/24"}}.dump();
    const auto by_config = lab({"migrate", "vm1", "--to", "hostA", "--config", config_file.string()});
    std::filesystem::remove(config_file);
    EXPECT_EQ(by_config.status, 2) << by_config.err;
    EXPECT_NE(by_config.err.find("vm1 already runs on hostA"), std::string::npos) << by_config.err;
    for (const auto& c : cases) {
        std::string line;
        for (const auto& a : c.args) line += a + " ";
        const auto run = lab(c.args);
        EXPECT_EQ(run.status, 2) << line << "\n" << run.out << run.err;
        EXPECT_NE(run.err.find(c.message), std::string::npos) << line << "\nstderr: " << run.err;
        EXPECT_EQ(read_state(names()), state) << line << ": the state file changed";
    }
    const auto after = status();
    EXPECT_EQ(after["vms"][0]["vmm"]["pid"].get<int>(), vmm_pid);
    EXPECT_TRUE(after["vms"][0]["vmm"]["alive"].get<bool>());
    EXPECT_EQ(after["vms"][0]["host"], "hostA");
    EXPECT_EQ(after["processes"].size(), 2u);
}

}  // namespace
}  // namespace nf::lab::test
