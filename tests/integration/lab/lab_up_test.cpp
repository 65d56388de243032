// up: the topology exists and carries frames client → ToR → hostA esw0 → VF → VM; up twice is harmless.
#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"
#include "lab/topology/lab_names.h"
#include "lab_fixture.h"
#include "os/cgroup.h"
#include "os/netns.h"
#include "os/rtnl.h"
#include "os/sysctl.h"

namespace nf::lab {
namespace {

using testing::ScopedLab;
using testing::test_config;

std::vector<os::IpPrefix> ipv4_addresses(os::Rtnl rtnl, const std::string& link) {
    std::vector<os::IpPrefix> out;
    for (const auto& prefix : rtnl.addresses(link))
        if (prefix.family == AF_INET) out.push_back(prefix);
    return out;
}

class LabUp : public ::testing::Test {
protected:
    void SetUp() override { lab_up(config_); }
    os::Rtnl rtnl(const std::string& name) { return os::Rtnl::in(os::Netns::open_named(names_.netns(name))); }

    LabConfig config_ = test_config();
    ScopedLab lab_;
    LabNames names_{config_.prefix};
};

TEST_F(LabUp, BuildsNamespacesBridgesPortsAndCgroups) {
    EXPECT_EQ(lab_namespaces(config_.prefix),
              (std::vector<std::string>{names_.netns("client"), names_.netns("hostA"), names_.netns("hostB"),
                                        names_.tor_netns(), names_.netns("vm1")}));
    auto tor = os::Rtnl::in(os::Netns::open_named(names_.tor_netns()));
    const auto tor0 = tor.link(kTorBridge);
    EXPECT_EQ(tor0.kind, "bridge");
    EXPECT_TRUE(tor0.admin_up);
    for (const auto* port : {"h-hostA", "h-hostB", "c-client"}) {
        const auto link = tor.link(port);
        EXPECT_EQ(link.master, tor0.ifindex) << port;
        EXPECT_TRUE(link.admin_up && link.carrier) << port;
    }
    for (const auto* host : {"hostA", "hostB"}) {
        auto r = rtnl(host);
        const auto esw0 = r.link(kHostBridge);
        EXPECT_EQ(esw0.kind, "bridge");
        EXPECT_TRUE(esw0.admin_up) << host;
        EXPECT_EQ(r.link(kHostUplink).master, esw0.ifindex) << host;
        EXPECT_TRUE(r.addresses(kHostBridge).empty()) << "bridges carry no addresses (addrgenmode none)";
    }
    EXPECT_EQ(ipv4_addresses(rtnl("client"), kClientLink), std::vector<os::IpPrefix>{os::IpPrefix::parse("10.79.0.100/24")});

    // vm1's VF on every host (hostB's waits for a migration): a port of that host's esw0, the VF end with
    // the VM's MAC, down, still in the host.
    for (const auto* host : {"hostA", "hostB"}) {
        auto r = rtnl(host);
        EXPECT_EQ(r.link("vf-vm1").master, r.ifindex(kHostBridge)) << host;
        const auto vf = r.link("vf-vm1g");
        EXPECT_EQ(vf.mac, config_.vms[0].mac) << host;
        EXPECT_FALSE(vf.admin_up) << host;
    }

    for (const auto& group : {names_.vm_cgroup("vm1"), names_.vmm_cgroup("vm1")})
        EXPECT_TRUE(std::filesystem::exists(os::Cgroup2::mount_point() / group / "cgroup.procs")) << group;
    EXPECT_TRUE(std::filesystem::exists(names_.state_file()));
    EXPECT_TRUE(std::filesystem::is_directory(names_.logs_dir()));
}

TEST_F(LabUp, QuietsIpv6InEveryNamespace) {
    for (const auto& netns : lab_namespaces(config_.prefix)) {
        const auto ns = os::Netns::open_named(netns);
        EXPECT_EQ(os::read_sysctl(ns, "net.ipv6.conf.default.accept_dad"), "0") << netns;
        EXPECT_EQ(os::read_sysctl(ns, "net.ipv6.conf.all.accept_dad"), "0") << netns;
        EXPECT_EQ(os::read_sysctl(ns, "net.ipv6.conf.default.router_solicitations"), "0") << netns;
        EXPECT_EQ(os::read_sysctl(ns, "net.ipv6.conf.default.autoconf"), "0") << netns;
    }
}

// The VMM's plug done by hand: move the VF into the VM, address it, and talk to it from the client.
TEST_F(LabUp, ClientReachesTheVmThroughTorHostBridgeAndVf) {
    const auto vm_ns = os::Netns::open_named(names_.netns("vm1"));
    rtnl("hostA").move_to_netns("vf-vm1g", vm_ns, "ens4");
    auto vm = os::Rtnl::in(vm_ns);
    vm.add_address("ens4", config_.vms[0].ip);
    vm.set_up("ens4");

    EXPECT_EQ(testing::udp_roundtrip(names_.netns("client"), names_.netns("vm1"), "10.79.0.10", 7001, "client-to-vm"),
              "client-to-vm");
    EXPECT_EQ(testing::udp_roundtrip(names_.netns("vm1"), names_.netns("client"), "10.79.0.100", 7002, "vm-to-client"),
              "vm-to-client");
    // The frames crossed hostA's esw0: it learned the VM's MAC on the VF port.
    auto hostA = rtnl("hostA");
    const int vf_port = hostA.ifindex("vf-vm1");
    bool learned = false;
    for (const auto& entry : hostA.fdb(kHostBridge)) learned = learned || (entry.mac == config_.vms[0].mac && entry.port == vf_port);
    EXPECT_TRUE(learned);
}

TEST_F(LabUp, UpTwiceIsHarmless) {
    auto tor = os::Rtnl::in(os::Netns::open_named(names_.tor_netns()));
    const int tor0 = tor.ifindex(kTorBridge);
    const int client_port = tor.ifindex("c-client");
    const int vf = rtnl("hostA").ifindex("vf-vm1g");

    ASSERT_NO_THROW(lab_up(config_));
    EXPECT_EQ(tor.ifindex(kTorBridge), tor0);
    EXPECT_EQ(tor.ifindex("c-client"), client_port);
    EXPECT_EQ(rtnl("hostA").ifindex("vf-vm1g"), vf);
    EXPECT_EQ(ipv4_addresses(rtnl("client"), kClientLink).size(), 1u);
    EXPECT_EQ(lab_namespaces(config_.prefix).size(), 5u);
}

TEST_F(LabUp, UpCompletesAPartlyRemovedLab) {
    os::Netns::remove_named(names_.netns("hostB"));  // its uplink veth dies with it
    ASSERT_NO_THROW(lab_up(config_));
    EXPECT_TRUE(rtnl("hostB").find_link(kHostUplink));
    EXPECT_TRUE(os::Rtnl::in(os::Netns::open_named(names_.tor_netns())).find_link("h-hostB"));
}

TEST_F(LabUp, AnotherConfigUnderTheSamePrefixIsRefused) {
    auto other = config_;
    other.vf_filter = config_.vf_filter == VfFilter::Stale ? VfFilter::WhileBound : VfFilter::Stale;
    try {
        lab_up(other);
        FAIL() << "no ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("already up with a different config"), std::string::npos) << e.what();
    }
}

TEST_F(LabUp, StatusListsHostsVmsAddressesAndQmpIds) {
    const auto status = to_json(lab_status(config_.prefix));
    EXPECT_TRUE(status["up"].get<bool>());
    EXPECT_EQ(status["hosts"].size(), 2u);
    EXPECT_TRUE(status["hosts"][0]["alive"].get<bool>());
    EXPECT_EQ(status["clients"][0]["ip"], "10.79.0.100/24");
    const auto& vm = status["vms"][0];
    EXPECT_EQ(vm["name"], "vm1");
    EXPECT_EQ(vm["host"], "hostA");
    EXPECT_EQ(vm["ip"], "10.79.0.10/24");
    EXPECT_EQ(vm["mac"], "52:54:00:00:00:01");
    EXPECT_EQ(vm["qmp"], names_.qmp_socket("vm1").string());
    EXPECT_EQ(vm["standby_id"], "standby0");
    EXPECT_EQ(vm["primary_id"], "primary0");
    EXPECT_TRUE(vm["alive"].get<bool>());
    EXPECT_TRUE(vm["vmm"].is_null());  // vmm.start = false
    EXPECT_TRUE(status["stray_namespaces"].empty());

    const auto record = lab_supervise(config_.prefix, {"sleeper", {"sleep", "600"}, names_.netns("vm1"), names_.vm_cgroup("vm1"), ""});
    EXPECT_EQ(record.log, names_.log_file("sleeper"));
    const auto after = to_json(lab_status(config_.prefix));
    ASSERT_EQ(after["processes"].size(), 1u);
    EXPECT_EQ(after["processes"][0]["name"], "sleeper");
    EXPECT_TRUE(after["processes"][0]["alive"].get<bool>());
    EXPECT_NE(to_text(lab_status(config_.prefix)).find("sleeper"), std::string::npos);
}

}  // namespace
}  // namespace nf::lab
