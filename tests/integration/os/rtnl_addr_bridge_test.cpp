#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <thread>

#include "common/error.h"
#include "common/unique_fd.h"
#include "os/rtnl.h"
#include "os_fixture.h"

namespace nf::os {
namespace {

using RtnlAddresses = testing::TwoNamespaces;
using RtnlBridge = testing::TwoNamespaces;

bool contains(const std::vector<IpPrefix>& list, const std::string& text) {
    return std::find(list.begin(), list.end(), IpPrefix::parse(text)) != list.end();
}

TEST(IpPrefix, ParsesAndCanonicalizes) {
    EXPECT_EQ(IpPrefix::parse("10.1.2.3/24").to_string(), "10.1.2.3/24");
    EXPECT_EQ(IpPrefix::parse("FD00:0::2/64").to_string(), "fd00::2/64");
    EXPECT_EQ(IpPrefix::parse("10.0.0.1").prefix_len, 32u);
    EXPECT_THROW(IpPrefix::parse("10.0.0.1/33"), ConfigError);
    EXPECT_THROW(IpPrefix::parse("nonsense/8"), ConfigError);
}

TEST_F(RtnlAddresses, AddListDeleteIpv4AndIpv6) {
    Rtnl a = a_.rtnl();
    a.create_veth("nfosad0", "nfosad1");
    a.set_up("nfosad0");
    a.add_address("nfosad0", IpPrefix::parse("10.77.0.1/24"));
    a.add_address("nfosad0", IpPrefix::parse("10.77.0.1/24"));  // again: not an error
    a.add_address("nfosad0", IpPrefix::parse("fd77::1/64"));
    auto list = a.addresses("nfosad0");
    EXPECT_TRUE(contains(list, "10.77.0.1/24"));
    EXPECT_TRUE(contains(list, "fd77::1/64"));
    EXPECT_TRUE(a.addresses("nfosad1").empty() || !contains(a.addresses("nfosad1"), "10.77.0.1/24"));

    a.del_address("nfosad0", IpPrefix::parse("10.77.0.1/24"));
    list = a.addresses("nfosad0");
    EXPECT_FALSE(contains(list, "10.77.0.1/24"));
    EXPECT_TRUE(contains(list, "fd77::1/64"));
    EXPECT_THROW(a.del_address("nfosad0", IpPrefix::parse("10.77.0.1/24")), SystemError);
}

bool has_static(const std::vector<FdbEntry>& fdb, const MacAddress& mac, int port) {
    return std::any_of(fdb.begin(), fdb.end(), [&](const FdbEntry& e) {
        return e.mac == mac && e.port == port && e.is_static && e.master_entry;
    });
}

TEST_F(RtnlBridge, StaticFdbEntryAddMoveDelete) {
    Rtnl a = a_.rtnl();
    const LinkInfo br = a.create_bridge("nfosbr0");
    const LinkInfo vf = a.create_veth("nfosvf", "nfosvfp");
    const LinkInfo pv = a.create_veth("nfospv", "nfospvp");
    a.set_master("nfosvf", "nfosbr0");
    a.set_master("nfospv", "nfosbr0");
    const MacAddress guest = *MacAddress::parse("02:00:00:0f:aa:01");

    a.add_fdb("nfosvf", guest);
    EXPECT_TRUE(has_static(a.fdb(LinkRef("nfosbr0")), guest, vf.ifindex));
    EXPECT_TRUE(has_static(a.fdb(), guest, vf.ifindex));
    for (const auto& e : a.fdb(LinkRef(br.ifindex))) EXPECT_EQ(e.master, br.ifindex);

    // The orchestrator's "move the MAC filter from the VF to the PV port".
    a.add_fdb("nfospv", guest);
    auto fdb = a.fdb(LinkRef("nfosbr0"));
    EXPECT_TRUE(has_static(fdb, guest, pv.ifindex));
    EXPECT_FALSE(has_static(fdb, guest, vf.ifindex));

    a.del_fdb("nfospv", guest);
    fdb = a.fdb(LinkRef("nfosbr0"));
    EXPECT_FALSE(std::any_of(fdb.begin(), fdb.end(), [&](const FdbEntry& e) { return e.mac == guest; }));
    EXPECT_THROW(a.del_fdb("nfospv", guest), SystemError);
}

std::string run(const std::string& cmd) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(cmd.c_str(), "r"), ::pclose);
    std::string out;
    std::array<char, 512> buf{};
    while (pipe && ::fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
    return out;
}

TEST_F(RtnlBridge, PortLearningAndFloodFlags) {
    Rtnl a = a_.rtnl();
    a.create_bridge("nfosbr1");
    a.create_veth("nfosport", "nfosportp");
    a.set_master("nfosport", "nfosbr1");
    a.set_bridge_port_flags("nfosport", {.learning = false, .unicast_flood = false});
    const std::string shown = run("ip -n " + a_.name() + " -d link show dev nfosport");
    EXPECT_NE(shown.find("learning off"), std::string::npos) << shown;
    EXPECT_NE(shown.find("flood off"), std::string::npos) << shown;
    a.set_bridge_port_flags("nfosport", {.learning = true});
    EXPECT_NE(run("ip -n " + a_.name() + " -d link show dev nfosport").find("learning on"), std::string::npos);
}

// A frame from `src` out of `ifname` (in the calling thread's namespace): the bridge port at the other end
// of the veth sees `src` arrive.
void send_from(const std::string& ifname, const MacAddress& src) {
    UniqueFd fd(::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(fd) << std::strerror(errno);
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_ifindex = static_cast<int>(::if_nametoindex(ifname.c_str()));
    addr.sll_halen = 6;
    std::array<std::uint8_t, 60> frame{};
    std::fill_n(frame.begin(), 6, 0xff);  // broadcast
    std::copy_n(src.data(), 6, frame.begin() + 6);
    frame[12] = 0x88;  // local experimental ethertype
    frame[13] = 0xb5;
    ASSERT_EQ(::sendto(fd.get(), frame.data(), frame.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr),
              static_cast<ssize_t>(frame.size()))
        << std::strerror(errno);
}

std::optional<FdbEntry> static_entry(Rtnl& rtnl, const std::string& bridge, const MacAddress& mac) {
    for (const auto& e : rtnl.fdb(LinkRef(bridge)))
        if (e.mac == mac && e.is_static && e.master_entry) return e;
    return std::nullopt;
}

// Its own namespace (nfw-*) for the life of the test.
class RtnlStickyFdb : public ::testing::Test {
protected:
    ~RtnlStickyFdb() override {
        try {
            Netns::remove_named(name_);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "cleanup of netns " << name_ << ": " << e.what();
        }
    }
    std::string name_ = "nfw-os-" + std::to_string(::getpid()) + "-sticky";
    Netns ns_ = Netns::create_named(name_);
};

TEST_F(RtnlStickyFdb, StickyStaticEntryStaysWhenTheMacIsSeenOnAnotherPort) {
    Rtnl a = Rtnl::in(ns_);
    a.create_bridge("nfwbr");
    const LinkInfo vf = a.create_veth("nfwvf", "nfwvfp");
    const LinkInfo pv = a.create_veth("nfwpv", "nfwpvp");
    a.set_master("nfwvf", "nfwbr");
    a.set_master("nfwpv", "nfwbr");
    for (const char* name : {"nfwbr", "nfwvf", "nfwvfp", "nfwpv", "nfwpvp"}) a.set_up(name);
    const MacAddress plain = *MacAddress::parse("02:00:00:0f:bb:01");
    const MacAddress sticky = *MacAddress::parse("02:00:00:0f:bb:02");

    a.add_fdb("nfwvf", plain);
    a.add_fdb("nfwvf", sticky, {.sticky = true});
    ASSERT_TRUE(static_entry(a, "nfwbr", plain));
    ASSERT_TRUE(static_entry(a, "nfwbr", sticky));
    EXPECT_FALSE(static_entry(a, "nfwbr", plain)->sticky);
    EXPECT_TRUE(static_entry(a, "nfwbr", sticky)->sticky);

    // Both MACs now show up on the PV port, as a migrated guest's would.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (static_entry(a, "nfwbr", plain)->port != pv.ifindex && std::chrono::steady_clock::now() < deadline) {
        NetnsScope in(ns_);
        send_from("nfwpvp", plain);
        send_from("nfwpvp", sticky);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(static_entry(a, "nfwbr", plain)->port, pv.ifindex) << "a plain static entry roams";
    EXPECT_EQ(static_entry(a, "nfwbr", sticky)->port, vf.ifindex) << "a sticky one stays";

    // Replacing without sticky clears the flag.
    a.add_fdb("nfwvf", sticky);
    EXPECT_FALSE(static_entry(a, "nfwbr", sticky)->sticky);
}

}  // namespace
}  // namespace nf::os
