// The state file's placements: where each VM runs now (written by `failover-lab migrate`).
#include <gtest/gtest.h>

#include <fstream>

#include "common/error.h"
#include "common/safe_file.h"
#include "lab/topology/lab_names.h"
#include "lab/topology/lab_state.h"
#include "lab_fixture.h"

namespace nf::lab {
namespace {

TEST(LabState, PlacementDefaultsToTheConfiguredHostAndRoundTrips) {
    testing::ScopedLab scoped;
    const auto config = testing::test_config();
    const LabNames names(config.prefix);
    LabState state{config, {}, {}};
    EXPECT_EQ(state.placement(config.vms[0]), (Placement{"hostA", names.qmp_socket("vm1")}));
    create_safe_directories(names.run_dir());
    save_lab_state(state);
    EXPECT_TRUE(load_lab_state(config.prefix)->placements.empty());

    state.placements["vm1"] = {"hostB", names.qmp_socket("vm1", "hostB", "hostA")};
    save_lab_state(state);
    const auto loaded = load_lab_state(config.prefix);
    ASSERT_TRUE(loaded);
    EXPECT_EQ(loaded->placement(config.vms[0]), (Placement{"hostB", names.run_dir() / "vm1.hostB.qmp"}));
}

TEST(LabState, PlacementOnAnUnknownHostOrVmIsADamagedFile) {
    testing::ScopedLab scoped;
    const auto config = testing::test_config();
    const LabNames names(config.prefix);
    create_safe_directories(names.run_dir());
    for (const auto& [vm, host] : {std::pair{"vm1", "hostC"}, std::pair{"vm7", "hostB"}}) {
        LabState state{config, {}, {}};
        state.placements[vm] = {host, "/x.qmp"};
        save_lab_state(state);
        try {
            load_lab_state(config.prefix);
            ADD_FAILURE() << vm << " on " << host << " was accepted";
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find("is damaged"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find(std::string("'") + (std::string(vm) == "vm1" ? host : vm) + "'"),
                      std::string::npos)
                << e.what();
        }
    }
}

}  // namespace
}  // namespace nf::lab
