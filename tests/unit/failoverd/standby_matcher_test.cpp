#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "failoverd/standby_matcher.h"
#include "failoverd/sysfs_netdevs.h"
#include "temp_dir.h"

namespace nf::daemon {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

std::string features_with(std::initializer_list<std::size_t> bits) {
    std::string f(64, '0');
    for (auto b : bits) f[b] = '1';
    return f;
}

// A fake /sys: class/net/<name>/device -> devices/<dev>, whose driver links to bus/<bus>/drivers/<driver>.
class FakeSysfs {
public:
    void add(const std::string& name, const std::string& driver, const std::string& features) {
        const fs::path net = root.path() / "class" / "net" / name;
        fs::create_directories(net);
        if (driver.empty()) return;   // a virtual netdev: no device link
        const fs::path device = root.path() / "devices" / ("dev-" + name);
        const fs::path drv = root.path() / "bus" / "virtio" / "drivers" / driver;
        fs::create_directories(device);
        fs::create_directories(drv);
        fs::create_directory_symlink(device, net / "device");
        fs::create_directory_symlink(drv, device / "driver");
        if (!features.empty()) root.write("devices/dev-" + name + "/features", features + "\n");
    }
    TempDir root;
};

TEST(StandbyMatcher, VirtioStandbyBitIsIndex62) {
    EXPECT_TRUE(offers_virtio_standby({"a", "virtio_net", features_with({62})}));
    EXPECT_FALSE(offers_virtio_standby({"a", "virtio_net", features_with({61, 63})}));
    EXPECT_FALSE(offers_virtio_standby({"a", "virtio_net", std::string(62, '1')}));   // too short
    EXPECT_FALSE(offers_virtio_standby({"a", "", ""}));
}

TEST(StandbyMatcher, EachRuleAlone) {
    const NetdevFacts virtio{"ens4", "virtio_net", features_with({0, 5, 62})};
    const NetdevFacts vf{"ens5", "mlx5_core", ""};
    const NetdevFacts veth{"veth0", "", ""};

    EXPECT_TRUE(StandbyMatcher({.name = "ens4"}).matches(virtio));
    EXPECT_FALSE(StandbyMatcher({.name = "ens4"}).matches(vf));
    EXPECT_TRUE(StandbyMatcher({.driver = "virtio_net"}).matches(virtio));
    EXPECT_FALSE(StandbyMatcher({.driver = "virtio_net"}).matches(vf));
    EXPECT_FALSE(StandbyMatcher({.driver = "virtio_net"}).matches(veth));
    EXPECT_TRUE(StandbyMatcher({.name_glob = "ens*"}).matches(vf));
    EXPECT_TRUE(StandbyMatcher({.name_glob = "ens[0-4]"}).matches(virtio));
    EXPECT_FALSE(StandbyMatcher({.name_glob = "ens[0-4]"}).matches(vf));
    EXPECT_TRUE(StandbyMatcher({.virtio_standby_feature = true}).matches(virtio));
    EXPECT_FALSE(StandbyMatcher({.virtio_standby_feature = true}).matches(vf));
}

TEST(StandbyMatcher, AllRulesMustHold) {
    const StandbyMatcher m({.driver = "virtio_net", .name_glob = "ens*", .virtio_standby_feature = true});
    EXPECT_TRUE(m.matches({"ens4", "virtio_net", features_with({62})}));
    EXPECT_EQ(m.mismatch({"eth1", "virtio_net", features_with({62})}), "name 'eth1' does not match 'ens*'");
    EXPECT_EQ(m.mismatch({"ens4", "virtio_net", features_with({})}), "does not offer virtio feature bit 62 (STANDBY)");
    EXPECT_EQ(m.mismatch({"ens4", "e1000", features_with({62})}), "driver is 'e1000', not 'virtio_net'");
    EXPECT_EQ(m.describe(), "driver=virtio_net name_glob=ens* virtio_standby_feature");
}

TEST(StandbyMatcher, NoRulesMatchNothing) { EXPECT_FALSE(StandbyMatcher({}).matches({"ens4", "virtio_net", ""})); }

TEST(SysfsNetdevs, ReadsDriverAndFeaturesFromAFakeTree) {
    FakeSysfs sys;
    sys.add("ens4", "virtio_net", features_with({62}));
    sys.add("ens5", "mlx5_core", "");
    sys.add("veth0", "", "");
    const SysfsNetdevs sysfs(sys.root.path());

    EXPECT_EQ(sysfs.names(), (std::vector<std::string>{"ens4", "ens5", "veth0"}));
    const auto ens4 = sysfs.read("ens4");
    ASSERT_TRUE(ens4);
    EXPECT_EQ(ens4->driver, "virtio_net");
    EXPECT_EQ(ens4->virtio_features, features_with({62}));   // trailing newline trimmed
    EXPECT_TRUE(offers_virtio_standby(*ens4));
    EXPECT_EQ(sysfs.read("ens5")->driver, "mlx5_core");
    EXPECT_EQ(sysfs.read("veth0")->driver, "");
    EXPECT_FALSE(sysfs.read("gone0"));
}

TEST(SysfsNetdevs, MatcherPicksTheStandbyAmongAllNetdevs) {
    FakeSysfs sys;
    sys.add("ens4", "virtio_net", features_with({62}));
    sys.add("ens6", "virtio_net", features_with({}));   // a plain virtio NIC, not a standby
    sys.add("ens5", "mlx5_core", "");
    sys.add("lo", "", "");
    const auto all = SysfsNetdevs(sys.root.path()).read_all();
    EXPECT_EQ(StandbyMatcher({.virtio_standby_feature = true}).matching(all), std::vector<std::string>{"ens4"});
    EXPECT_EQ(StandbyMatcher({.driver = "virtio_net"}).matching(all), (std::vector<std::string>{"ens4", "ens6"}));
    EXPECT_EQ(StandbyMatcher({.name_glob = "ens*"}).matching(all).size(), 3u);
}

TEST(SysfsNetdevs, MissingTreeIsEmpty) {
    TempDir dir;
    EXPECT_TRUE(SysfsNetdevs(dir.path() / "nothing").names().empty());
}

}  // namespace
}  // namespace nf::daemon
