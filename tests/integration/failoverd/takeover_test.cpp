// The standby's configuration at start (issue 12, item 2): addresses and a route a network manager put on
// the standby before failoverd started move to the master, where they work, and back at stop; with
// --standby-config refuse failoverd exits 2 naming them and changes nothing.
#include <signal.h>

#include <filesystem>

#include "failoverd_fixture.h"

namespace nf::failoverd::test {
namespace {

using nlohmann::json;

// Reachable only through the route the guest had on the standby: the host answers for it on br0.
constexpr const char* kRoutedHost = "10.99.0.1";

void configure_standby(GuestLab& lab) {
    sh(lab.in_host("addr add " + std::string(kRoutedHost) + "/32 dev br0"));
    sh(lab.in_guest("addr add 10.77.0.2/24 dev sb0"));
    sh(lab.in_guest("addr add fd77::2/64 dev sb0 nodad"));
    sh(lab.in_guest("route add 10.99.0.0/16 via 10.77.0.1 dev sb0"));
}

std::vector<std::string> addresses_of(const std::string& ns, const std::string& dev) {
    std::vector<std::string> out;
    for (const auto& link : json::parse(sh("ip -j -n " + ns + " addr show dev " + dev)))
        for (const auto& a : link["addr_info"])
            if (a.value("scope", "") != "link")
                out.push_back(a.value("local", "") + "/" + std::to_string(a.value("prefixlen", 0)));
    return out;
}

class Takeover : public FailoverdFixture {};

TEST_P(Takeover, TheStandbysAddressesAndRoutesMoveToTheMasterAndBack) {
    configure_standby(*lab_);
    DaemonProcess& d = start();
    const auto s = status();
    EXPECT_EQ(s["standby_config"]["mode"], "takeover") << s.dump();
    EXPECT_EQ(s["standby_config"]["taken_over"],
              json::array({"10.77.0.2/24", "fd77::2/64", "route 10.99.0.0/16 via 10.77.0.1"}))
        << s.dump();
    // On the master, and nothing of it left on the standby (its name is sb0 still: --master is given).
    EXPECT_EQ(addresses_of(lab_->guest(), lab_->master()), (std::vector<std::string>{"10.77.0.2/24", "fd77::2/64"}));
    EXPECT_TRUE(addresses_of(slave_ns(), "sb0").empty());
    EXPECT_NE(sh(lab_->in_guest("route show 10.99.0.0/16")).find("dev " + lab_->master()), std::string::npos)
        << sh(lab_->in_guest("route"));
    // And they work: the subnet, and the host behind the moved route.
    EXPECT_TRUE(lab_->ping());
    EXPECT_EQ(sh_status(lab_->exec_guest("ping -c 2 -i 0.1 -W 1 " + std::string(kRoutedHost))), 0);

    d.signal(SIGTERM);
    ASSERT_EQ(d.wait_exit(), 0) << d.log();
    EXPECT_EQ(addresses_of(lab_->guest(), "sb0"), (std::vector<std::string>{"10.77.0.2/24", "fd77::2/64"}));
    EXPECT_NE(sh(lab_->in_guest("route show 10.99.0.0/16")).find("dev sb0"), std::string::npos)
        << sh(lab_->in_guest("route"));
    EXPECT_EQ(sh_status(lab_->exec_guest("ping -c 2 -i 0.1 -W 1 " + std::string(kRoutedHost))), 0);
}

INSTANTIATE_TEST_SUITE_P(Setups, Takeover,
                         ::testing::Values(Setup{"bpf", "3dev"}, Setup{"bpf", "hidden"}, Setup{"packet", "3dev"},
                                           Setup{"packet", "hidden"}),
                         setup_name);

class TakeoverRefused : public FailoverdFixture {};

TEST_P(TakeoverRefused, RefuseExitsTwoNamingTheConfigurationAndChangesNothing) {
    configure_standby(*lab_);
    // The kernel's DAD on the link-local addresses settles first (a second): then nothing moves by itself.
    wait_until([&] { return sh(lab_->in_guest("-6 addr show tentative -dadfailed")).empty(); }, std::chrono::seconds(5));
    const std::string links = sh(lab_->in_guest("-d -j link"));
    const std::string addrs = sh(lab_->in_guest("-j addr"));
    const std::string routes = sh(lab_->in_guest("-j route"));
    DaemonProcess& d = launch({"--standby-config", "refuse"});
    EXPECT_EQ(d.wait_exit(), 2) << d.log();
    const std::string log = d.log();
    for (const char* named : {"--standby-config refuse", "sb0", "10.77.0.2/24", "fd77::2/64", "route 10.99.0.0/16"})
        EXPECT_NE(log.find(named), std::string::npos) << named << " not named:\n" << log;
    EXPECT_EQ(log.find("system restored"), std::string::npos) << log;
    EXPECT_EQ(sh(lab_->in_guest("-d -j link")), links);
    EXPECT_EQ(sh(lab_->in_guest("-j addr")), addrs);
    EXPECT_EQ(sh(lab_->in_guest("-j route")), routes);
    EXPECT_FALSE(std::filesystem::exists(lab_->state_file(lab_->master())));

    // A standby with nothing configured starts under refuse as usual.
    sh(lab_->in_guest("route del 10.99.0.0/16"));
    sh(lab_->in_guest("addr flush dev sb0 scope global"));
    start({"--standby-config", "refuse"});
    EXPECT_EQ(status()["standby_config"]["mode"], "refuse");
    EXPECT_EQ(status()["standby_config"]["taken_over"], json::array());
}

INSTANTIATE_TEST_SUITE_P(Setups, TakeoverRefused, ::testing::Values(Setup{"bpf", "3dev"}), setup_name);

}  // namespace
}  // namespace nf::failoverd::test
