// The VMM and guest command lines are exactly those of docs/lab-contract.md.
#include <gtest/gtest.h>

#include "lab/topology/command_lines.h"

namespace nf::lab {
namespace {

using Argv = std::vector<std::string>;

TEST(CommandLines, VmmIsTheContractOne) {
    const auto config = default_lab_config();
    EXPECT_EQ(vmm_command_line(config, config.vms[0], "failover-vmm", "/sys/fs/cgroup/unified"),
              (Argv{"failover-vmm", "--name", "vm1", "--qmp", "/run/netfailover/nfl/vm1.qmp", "--channel",
                    "/run/netfailover/nfl/vm1.chan", "--guest-netns", "nfl-vm1", "--cgroup",
                    "/sys/fs/cgroup/unified/netfailover/nfl/vm1", "--vf-filter", "while-bound", "--netdev",
                    "bridge,id=hn0,br=esw0", "--device",
                    "virtio-net-pci,id=standby0,netdev=hn0,mac=52:54:00:00:00:01,failover=on,bus=root0,ifname=eth0",
                    "--device", "vfio-pci,id=primary0,host=vf-vm1g,failover_pair_id=standby0,bus=root1,ifname=ens4"}));
}

TEST(CommandLines, VmmFollowsTheConfig) {
    auto config = default_lab_config();
    config.prefix = "lab2";
    config.vf_filter = VfFilter::Stale;
    config.vms[0].name = "db";
    config.vms[0].standby = {"sb", "pci.0", "ens3"};
    config.vms[0].primary = {"vf", "vfio-pci", "pci.1", "ens5"};
    const auto argv = vmm_command_line(config, config.vms[0], "/b/failover-vmm", "/cg");
    EXPECT_EQ(argv[0], "/b/failover-vmm");
    EXPECT_EQ(argv[12], "stale");
    EXPECT_EQ(argv[10], "/cg/netfailover/lab2/db");
    EXPECT_EQ(argv[16], "virtio-net-pci,id=sb,netdev=hn0,mac=52:54:00:00:00:01,failover=on,bus=pci.0,ifname=ens3");
    EXPECT_EQ(argv[18], "vfio-pci,id=vf,host=vf-dbg,failover_pair_id=sb,bus=pci.1,ifname=ens5");
}

// A migration's destination: the same VM's command line with its own QMP socket and --incoming last.
TEST(CommandLines, IncomingVmmHasItsOwnQmpAndListens) {
    const auto config = default_lab_config();
    const auto argv = vmm_command_line(config, config.vms[0], "failover-vmm", "/cg",
                                       {"/run/netfailover/nfl/vm1.hostB.qmp", "unix:/run/netfailover/nfl/vm1.mig"});
    ASSERT_EQ(argv.size(), 21u);
    EXPECT_EQ(argv[4], "/run/netfailover/nfl/vm1.hostB.qmp");
    EXPECT_EQ(argv[19], "--incoming");
    EXPECT_EQ(argv[20], "unix:/run/netfailover/nfl/vm1.mig");
    auto home = vmm_command_line(config, config.vms[0], "failover-vmm", "/cg");
    EXPECT_EQ(Argv(argv.begin(), argv.begin() + 4), Argv(home.begin(), home.begin() + 4));
    EXPECT_EQ(Argv(argv.begin() + 5, argv.begin() + 19), Argv(home.begin() + 5, home.end()));
}

TEST(CommandLines, GuestIsTheContractOnePlusArgs) {
    auto config = default_lab_config();
    EXPECT_EQ(guest_command_line(config, config.vms[0], "failoverd"),
              (Argv{"failoverd", "--standby", "eth0", "--device-channel", "/run/netfailover/nfl/vm1.chan", "--foreground",
                    "--control", "/run/netfailover/nfl/vm1-failoverd.sock"}));
    config.guest.args = {"--rx-mode", "kernel", "--datapath", "packet"};
    const auto argv = guest_command_line(config, config.vms[0], "failoverd");
    EXPECT_EQ(Argv(argv.end() - 4, argv.end()), config.guest.args);
}

}  // namespace
}  // namespace nf::lab
