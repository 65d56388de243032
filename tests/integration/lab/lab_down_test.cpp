// down: everything goes, from the prefix alone, also after a crash; twice is harmless; bad config makes nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/error.h"
#include "lab/topology/lab_names.h"
#include "lab_fixture.h"
#include "os/cgroup.h"

namespace nf::lab {
namespace {

using namespace std::chrono_literals;
using testing::lab_is_gone;
using testing::ScopedLab;
using testing::test_config;

TEST(LabDown, RemovesEverythingAndTwiceIsHarmless) {
    ScopedLab lab;
    const auto config = test_config();
    lab_up(config);
    const auto report = lab_down(config.prefix);
    EXPECT_EQ(report.namespaces.size(), 5u);
    EXPECT_EQ(report.cgroups.size(), 3u);  // vm1, vmm.vm1, the prefix group
    EXPECT_TRUE(report.run_dir_removed);
    EXPECT_TRUE(lab_is_gone(config.prefix));

    const auto again = lab_down(config.prefix);
    EXPECT_TRUE(again.nothing_to_do());
    EXPECT_TRUE(lab_is_gone(config.prefix));
    EXPECT_FALSE(to_json(lab_status(config.prefix))["up"].get<bool>());
}

TEST(LabDown, StopsSupervisedProcesses) {
    ScopedLab lab;
    const auto config = test_config();
    lab_up(config);
    const LabNames names(config.prefix);
    const auto sleeper = lab_supervise(config.prefix, {"sleeper", {"sleep", "600"}, names.netns("hostA"), "", ""});
    ASSERT_TRUE(process_alive(sleeper));
    const auto report = lab_down(config.prefix);
    EXPECT_EQ(report.processes, std::vector<std::string>{"sleeper"});
    EXPECT_FALSE(process_alive(sleeper));
    EXPECT_TRUE(lab_is_gone(config.prefix));
}

// A lab process crashed and took the state file with it; a VM process lives on in the VM's cgroup.
TEST(LabDown, CleansUpAfterACrashWithoutAStateFile) {
    ScopedLab lab;
    const auto config = test_config();
    lab_up(config);
    const LabNames names(config.prefix);
    const auto sleeper =
        lab_supervise(config.prefix, {"sleeper", {"sleep", "600"}, names.netns("vm1"), names.vm_cgroup("vm1"), ""});
    ASSERT_TRUE(process_alive(sleeper));
    os::Cgroup2::open(names.vm_cgroup("vm1")).freeze();  // a paused VM, as the VMM leaves it on `stop`
    std::filesystem::remove(names.state_file());

    const auto report = lab_down(config.prefix);
    EXPECT_TRUE(report.processes.empty());  // nobody knew of it but its cgroup
    EXPECT_FALSE(process_alive(sleeper));
    EXPECT_TRUE(lab_is_gone(config.prefix));
}

TEST(LabDown, DamagedStateFileDoesNotStopIt) {
    ScopedLab lab;
    const auto config = test_config();
    lab_up(config);
    { std::ofstream(LabNames(config.prefix).state_file()) << "{ not json"; }
    EXPECT_THROW(lab_status(config.prefix), ConfigError);
    EXPECT_NO_THROW(lab_down(config.prefix));
    EXPECT_TRUE(lab_is_gone(config.prefix));
}

TEST(LabDown, MalformedPrefixIsRefusedNotAWildcard) {
    EXPECT_THROW(lab_down(""), ConfigError);
    EXPECT_THROW(lab_down("*"), ConfigError);
    EXPECT_THROW(lab_down("../x"), ConfigError);
}

TEST(LabDown, DownOfALabThatNeverExistedIsHarmless) {
    ScopedLab lab;
    EXPECT_TRUE(lab_down(lab.prefix()).nothing_to_do());
}

// Bad configs fail before anything is made: no namespace, cgroup or run dir.
TEST(LabBadConfig, CreatesNothing) {
    ScopedLab lab;
    const auto prefix = lab.prefix();
    const auto with = [&](const char* pointer, const nlohmann::json& value) {
        nlohmann::json j = to_json(test_config());
        j[nlohmann::json::json_pointer(pointer)] = value;
        return j;
    };
    struct Case {
        nlohmann::json json;
        std::string field;
    };
    const std::vector<Case> cases = {
        {with("/vms/0/colour", "red"), "vms[0].colour: unknown field"},
        {with("/vms/0/mac", "52:54:00:zz:00:01"), "vms[0].mac:"},
        {with("/vms/0/host", "hostZ"), "vms[0].host: unknown host 'hostZ'"},
    };
    for (const auto& c : cases) {
        try {
            lab_up(parse_lab_config(c.json));
            ADD_FAILURE() << "no ConfigError for " << c.field;
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find(c.field), std::string::npos) << e.what();
        }
        EXPECT_TRUE(lab_is_gone(prefix)) << c.field;
    }
    // A config built in code is checked by lab_up itself.
    auto config = test_config();
    config.vms[0].host = "hostZ";
    EXPECT_THROW(lab_up(config), ConfigError);
    EXPECT_TRUE(lab_is_gone(prefix));
}

}  // namespace
}  // namespace nf::lab
