#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <net/if_arp.h>  // glibc's, not linux/if_arp.h: that pulls linux/if.h, which clashes with net/if.h in a unity build
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/error.h"
#include "os/rtnl.h"
#include "os_fixture.h"

namespace nf::os {
namespace {

using RtnlLinks = testing::TwoNamespaces;

const MacAddress kMacA = *MacAddress::parse("02:00:00:0f:00:0a");
const MacAddress kMacB = *MacAddress::parse("02:00:00:0f:00:0b");

TEST_F(RtnlLinks, VethAcrossNamespacesShowsBothEnds) {
    Rtnl a = a_.rtnl();
    Rtnl b = b_.rtnl();
    const LinkInfo made = a.create_veth("nfosa0", "nfosb0", {.mac = kMacA, .peer_mac = kMacB, .peer_netns = &b_.ns(), .mtu = 1400});

    const LinkInfo end_a = a.link("nfosa0");
    EXPECT_EQ(end_a.ifindex, made.ifindex);
    EXPECT_EQ(end_a.kind, "veth");
    EXPECT_EQ(end_a.arptype, ARPHRD_ETHER);
    EXPECT_EQ(end_a.mac, kMacA);
    // veth has no permanent address; the kernel then omits IFLA_PERM_ADDRESS.
    EXPECT_FALSE(end_a.perm_mac.has_value());
    EXPECT_EQ(end_a.mtu, 1400u);
    EXPECT_GT(end_a.max_mtu, 1500u);
    EXPECT_TRUE(end_a.link_netnsid.has_value());  // the peer lives in another namespace
    EXPECT_TRUE(end_a.parent_dev_name.empty());
    EXPECT_FALSE(end_a.admin_up);

    const LinkInfo end_b = b.link("nfosb0");
    EXPECT_EQ(end_b.mac, kMacB);
    EXPECT_EQ(end_b.mtu, 1400u);
    EXPECT_EQ(b.link(end_b.ifindex).name, "nfosb0");  // by ifindex too
    EXPECT_FALSE(a.find_link("nfosb0").has_value());   // not in a

    bool found = false;
    for (const auto& l : a.links()) found |= l.name == "nfosa0";
    EXPECT_TRUE(found);
}

TEST_F(RtnlLinks, UpDownMtuMacRename) {
    Rtnl a = a_.rtnl();
    a.create_veth("nfosa0", "nfosa1");
    a.set_up("nfosa0");
    a.set_up("nfosa1");
    LinkInfo l = a.link("nfosa0");
    EXPECT_TRUE(l.admin_up);
    EXPECT_TRUE(l.running);
    EXPECT_TRUE(l.lower_up);
    EXPECT_TRUE(l.carrier);

    a.set_down("nfosa1");  // peer down: our carrier goes
    l = a.link("nfosa0");
    EXPECT_TRUE(l.admin_up);
    EXPECT_FALSE(l.carrier);
    EXPECT_FALSE(l.running);

    a.set_mtu("nfosa0", 9000);
    EXPECT_EQ(a.link("nfosa0").mtu, 9000u);
    a.set_mac(l.ifindex, kMacA);
    EXPECT_EQ(a.link("nfosa0").mac, kMacA);

    a.set_down("nfosa0");
    a.rename("nfosa0", "nfosren");
    EXPECT_EQ(a.link(l.ifindex).name, "nfosren");
    a.delete_link("nfosren");
    EXPECT_FALSE(a.find_link(l.ifindex).has_value());
    EXPECT_FALSE(a.find_link("nfosa1").has_value());  // veth dies in pairs
}

TEST_F(RtnlLinks, BridgeMasterSetAndClear) {
    Rtnl a = a_.rtnl();
    const LinkInfo br = a.create_bridge("nfosbr0");
    EXPECT_EQ(br.kind, "bridge");
    a.create_veth("nfosp0", "nfosp1");
    a.set_master("nfosp0", "nfosbr0");
    EXPECT_EQ(a.link("nfosp0").master, br.ifindex);
    a.clear_master("nfosp0");
    EXPECT_EQ(a.link("nfosp0").master, 0);
}

TEST_F(RtnlLinks, MoveToNamespaceWithNewName) {
    Rtnl a = a_.rtnl();
    Rtnl b = b_.rtnl();
    a.create_veth("nfosv0", "nfosv1");
    a.move_to_netns("nfosv0", b_.ns());
    EXPECT_FALSE(a.find_link("nfosv0").has_value());
    EXPECT_TRUE(b.find_link("nfosv0").has_value());

    b.move_to_netns("nfosv0", a_.ns(), "nfosback");
    EXPECT_FALSE(b.find_link("nfosv0").has_value());
    EXPECT_EQ(a.link("nfosback").kind, "veth");
}

TEST_F(RtnlLinks, AddrGenModeNone) {
    Rtnl a = a_.rtnl();
    a.create_veth("nfosg0", "nfosg1");
    a.set_addrgenmode_none("nfosg0");
    a.set_up("nfosg0");
    a.set_up("nfosg1");
    for (const auto& p : a.addresses("nfosg0")) EXPECT_NE(p.family, AF_INET6) << p.to_string();
    bool g1_has_link_local = false;
    for (const auto& p : a.addresses("nfosg1")) g1_has_link_local |= p.family == AF_INET6;
    EXPECT_TRUE(g1_has_link_local);
}

TEST_F(RtnlLinks, AddrGenModeReadAndRestored) {
    Rtnl a = a_.rtnl();
    a.create_veth("nfosr0", "nfosr1");
    const auto original = a.addrgenmode("nfosr0");
    ASSERT_TRUE(original.has_value());
    EXPECT_EQ(*original, AddrGenMode::eui64);
    a.set_addrgenmode_none("nfosr0");
    EXPECT_EQ(a.addrgenmode("nfosr0"), AddrGenMode::none);
    a.set_up("nfosr1");
    a.set_up("nfosr0");
    for (const auto& p : a.addresses("nfosr0")) EXPECT_NE(p.family, AF_INET6) << p.to_string();

    // Back to what it had: the next up makes the link-local address again.
    a.set_down("nfosr0");
    a.set_addrgenmode("nfosr0", *original);
    EXPECT_EQ(a.addrgenmode("nfosr0"), AddrGenMode::eui64);
    a.set_up("nfosr0");
    bool has_link_local = false;
    for (int i = 0; i < 100 && !has_link_local; ++i) {
        for (const auto& p : a.addresses("nfosr0")) has_link_local |= p.family == AF_INET6;
        if (!has_link_local) ::usleep(10'000);
    }
    EXPECT_TRUE(has_link_local);
}

TEST_F(RtnlLinks, StatsCountWhatWasSent) {
    Rtnl a = a_.rtnl();
    a.create_veth("nfost0", "nfost1");
    a.set_addrgenmode_none("nfost0");
    a.set_addrgenmode_none("nfost1");
    a.add_address("nfost0", IpPrefix::parse("10.77.0.1/24"));
    a.set_up("nfost1");
    a.set_up("nfost0");
    const LinkStats before_tx = a.stats("nfost0");
    const LinkStats before_rx = a.stats("nfost1");

    constexpr int kFrames = 5;
    constexpr std::size_t kPayload = 100;
    {
        NetnsScope scope(a_.ns());
        const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        ASSERT_GE(fd, 0);
        const int on = 1;
        ASSERT_EQ(::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on), 0);
        sockaddr_in to{};
        to.sin_family = AF_INET;
        to.sin_port = htons(9);
        to.sin_addr.s_addr = htonl(0x0a4d00ff);  // 10.77.0.255: broadcast, no ARP first
        const char payload[kPayload] = {};
        for (int i = 0; i < kFrames; ++i)
            EXPECT_EQ(::sendto(fd, payload, sizeof payload, 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
                      static_cast<ssize_t>(kPayload));
        ::close(fd);
    }
    const LinkStats after_tx = a.stats("nfost0");
    const LinkStats after_rx = a.stats("nfost1");
    EXPECT_GE(after_tx.tx_packets, before_tx.tx_packets + kFrames);
    EXPECT_GE(after_tx.tx_bytes, before_tx.tx_bytes + kFrames * (14 + 20 + 8 + kPayload));
    EXPECT_GE(after_rx.rx_packets, before_rx.rx_packets + kFrames);
    EXPECT_GE(after_rx.rx_bytes, before_rx.rx_bytes + kFrames * (14 + 20 + 8 + kPayload));
    EXPECT_EQ(after_tx.tx_errors, 0u);

    try {
        a.stats("nfosnope");
        ADD_FAILURE() << "no error for a missing link";
    } catch (const SystemError& e) {
        EXPECT_EQ(e.errno_value(), ENODEV) << e.what();
    }
}

TEST_F(RtnlLinks, ErrorsNameTheLinkAndTheOperation) {
    Rtnl a = a_.rtnl();
    auto expect_names = [](auto&& op, const std::string& needle) {
        try {
            op();
            ADD_FAILURE() << "no error for " << needle;
        } catch (const SystemError& e) {
            EXPECT_EQ(e.errno_value(), ENODEV) << e.what();
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    expect_names([&] { a.link("nfosnope"); }, "'nfosnope'");
    expect_names([&] { a.set_up("nfosnope"); }, "set up link 'nfosnope'");
    expect_names([&] { a.set_mtu("nfosnope", 1400); }, "set mtu 1400 on link 'nfosnope'");
    expect_names([&] { a.delete_link("nfosnope"); }, "delete link 'nfosnope'");
    expect_names([&] { a.move_to_netns("nfosnope", b_.ns()); }, "link 'nfosnope'");
    expect_names([&] { a.set_up(99999); }, "link #99999");

    a.create_veth("nfosdup", "nfosdup1");
    try {
        a.create_veth("nfosdup", "nfosdup2");
        ADD_FAILURE() << "duplicate veth accepted";
    } catch (const SystemError& e) {
        EXPECT_EQ(e.errno_value(), EEXIST);
        EXPECT_NE(std::string(e.what()).find("nfosdup"), std::string::npos);
    }
}

}  // namespace
}  // namespace nf::os
