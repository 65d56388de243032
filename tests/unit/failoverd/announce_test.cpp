#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "failoverd/announce_frames.h"
#include "failoverd/announcer.h"

namespace nf::daemon {
namespace {

const MacAddress kMac(std::array<std::uint8_t, 6>{0x52, 0x54, 0x00, 0x12, 0x34, 0x56});

// Checks an ICMPv6 checksum the textbook way, independent of the builder: the 16-bit one's complement sum
// over pseudo-header + message, checksum included, must be 0xffff.
bool icmpv6_checksum_ok(const Frame& f) {
    const std::size_t ip = 14, icmp = 54;
    const std::size_t length = (f[ip + 4] << 8) | f[ip + 5];
    std::vector<std::uint8_t> pseudo(f.begin() + ip + 8, f.begin() + ip + 40);   // source + destination
    pseudo.insert(pseudo.end(), {0, 0, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length),
                                 0, 0, 0, 58});
    pseudo.insert(pseudo.end(), f.begin() + icmp, f.begin() + icmp + length);
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < pseudo.size(); i += 2)
        sum += (pseudo[i] << 8) | (i + 1 < pseudo.size() ? pseudo[i + 1] : 0);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

TEST(AnnounceFrames, GratuitousArpBytes) {
    const Frame f = build_gratuitous_arp(kMac, *parse_ipv4("192.0.2.3"));
    const Frame expected{
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  0x52, 0x54, 0x00, 0x12, 0x34, 0x56,  0x08, 0x06,  // Ethernet
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01,                                      // request
        0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 192, 0, 2, 3,                                   // sender
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 192, 0, 2, 3,                                   // target
    };
    EXPECT_EQ(f, expected);
}

TEST(AnnounceFrames, UnsolicitedNaBytes) {
    const Frame f = build_unsolicited_na(kMac, *parse_ipv6("fe80::5054:ff:fe12:3456"));
    ASSERT_EQ(f.size(), 86u);
    const Frame ethernet{0x33, 0x33, 0, 0, 0, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x86, 0xdd};
    EXPECT_EQ(Frame(f.begin(), f.begin() + 14), ethernet);
    const Frame ipv6_fixed{0x60, 0, 0, 0, 0, 32, 58, 255};
    EXPECT_EQ(Frame(f.begin() + 14, f.begin() + 22), ipv6_fixed);
    const Frame source{0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x50, 0x54, 0x00, 0xff, 0xfe, 0x12, 0x34, 0x56};
    EXPECT_EQ(Frame(f.begin() + 22, f.begin() + 38), source);
    const Frame all_nodes{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    EXPECT_EQ(Frame(f.begin() + 38, f.begin() + 54), all_nodes);
    EXPECT_EQ(f[54], 136);   // neighbour advertisement
    EXPECT_EQ(f[55], 0);
    const Frame flags{0x20, 0, 0, 0};   // Override only
    EXPECT_EQ(Frame(f.begin() + 58, f.begin() + 62), flags);
    EXPECT_EQ(Frame(f.begin() + 62, f.begin() + 78), source);   // target = the address
    const Frame option{2, 1, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
    EXPECT_EQ(Frame(f.begin() + 78, f.end()), option);
    EXPECT_TRUE(icmpv6_checksum_ok(f));
}

TEST(AnnounceFrames, ChecksumHoldsForManyAddresses) {
    for (const char* ip : {"2001:db8::1", "fd00::ffff:ffff", "::1", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"}) {
        Frame f = build_unsolicited_na(kMac, *parse_ipv6(ip));
        EXPECT_TRUE(icmpv6_checksum_ok(f)) << ip;
        f[70] ^= 0x01;   // the checker itself must catch a flipped bit
        EXPECT_FALSE(icmpv6_checksum_ok(f)) << ip;
    }
}

TEST(AnnounceFrames, ParsesAddresses) {
    EXPECT_FALSE(parse_ipv4("192.0.2"));
    EXPECT_FALSE(parse_ipv6("192.0.2.1"));
    EXPECT_EQ(*parse_ipv4("192.0.2.1"), (Ipv4Address{192, 0, 2, 1}));
}

MasterAddresses two_addresses() {
    return {kMac, {*parse_ipv4("192.0.2.5")}, {*parse_ipv6("2001:db8::5")}};
}

TEST(Announcer, SendsCountRoundsIntervalApart) {
    std::vector<Frame> sent;
    Announcer a({3, std::chrono::milliseconds(100)}, [&](std::span<const std::uint8_t> f) {
        sent.emplace_back(f.begin(), f.end());
    });
    const auto t0 = Announcer::Clock::time_point{} + std::chrono::seconds(10);
    a.start(two_addresses(), t0);
    ASSERT_EQ(sent.size(), 2u);   // first round at once
    EXPECT_EQ(sent[0][12], 0x08);   // ARP first
    EXPECT_EQ(sent[1][12], 0x86);   // then NA
    EXPECT_EQ(a.next_due(), t0 + std::chrono::milliseconds(100));

    a.on_timer(t0 + std::chrono::milliseconds(50));   // early: nothing
    EXPECT_EQ(sent.size(), 2u);
    a.on_timer(t0 + std::chrono::milliseconds(100));
    EXPECT_EQ(sent.size(), 4u);
    a.on_timer(t0 + std::chrono::milliseconds(500));   // late: one round, not a backlog
    EXPECT_EQ(sent.size(), 6u);
    EXPECT_FALSE(a.next_due());
    a.on_timer(t0 + std::chrono::seconds(5));
    EXPECT_EQ(sent.size(), 6u);
    EXPECT_EQ(a.counters().rounds, 3u);
    EXPECT_EQ(a.counters().frames_sent, 6u);
}

TEST(Announcer, CountZeroDisables) {
    int sends = 0;
    Announcer a({0, std::chrono::milliseconds(10)}, [&](std::span<const std::uint8_t>) { ++sends; });
    a.start(two_addresses(), Announcer::Clock::now());
    EXPECT_EQ(sends, 0);
    EXPECT_FALSE(a.next_due());
}

TEST(Announcer, NewSwitchRestartsTheBurst) {
    int sends = 0;
    Announcer a({2, std::chrono::milliseconds(10)}, [&](std::span<const std::uint8_t>) { ++sends; });
    const auto t0 = Announcer::Clock::now();
    a.start(two_addresses(), t0);
    a.start(two_addresses(), t0 + std::chrono::milliseconds(1));
    EXPECT_EQ(sends, 4);
    a.on_timer(t0 + std::chrono::milliseconds(11));
    EXPECT_EQ(sends, 6);
    EXPECT_FALSE(a.next_due());
}

TEST(Announcer, SendErrorsAreCountedAndTheBurstGoesOn) {
    int calls = 0;
    Announcer a({1, std::chrono::milliseconds(0)}, [&](std::span<const std::uint8_t>) {
        if (++calls == 1) throw std::runtime_error("ENETDOWN");
    });
    a.start(two_addresses(), Announcer::Clock::now());
    EXPECT_EQ(calls, 2);
    EXPECT_EQ(a.counters().send_errors, 1u);
    EXPECT_EQ(a.counters().frames_sent, 1u);
}

TEST(Announcer, NoAddressesNoBurst) {
    int sends = 0;
    Announcer a({3, std::chrono::milliseconds(10)}, [&](std::span<const std::uint8_t>) { ++sends; });
    a.start({kMac, {}, {}}, Announcer::Clock::now());
    EXPECT_EQ(sends, 0);
    EXPECT_FALSE(a.next_due());
}

}  // namespace
}  // namespace nf::daemon
