// Kept frames are re-injected as bytes: a TCP/UDP frame the host sent with a partial checksum
// (CHECKSUM_PARTIAL) must reach the guest with a complete one; every other frame stays as it was.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "netpass/checksum.h"

namespace nf::netpass {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::uint32_t sum16(const Bytes& b, std::size_t from, std::size_t len, std::uint32_t sum = 0) {
    for (std::size_t i = 0; i < len; i += 2)
        sum += static_cast<std::uint32_t>(b[from + i] << 8 | (i + 1 < len ? b[from + i + 1] : 0));
    return sum;
}
std::uint16_t fold(std::uint32_t s) {
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<std::uint16_t>(s);
}

// Ethernet + IPv4 (20 bytes) + UDP (8) + payload; the UDP checksum as `how` says.
enum class Check { full, partial, wrong, none };
Bytes udp4(Check how, std::uint16_t frag = 0) {
    Bytes f(14 + 20 + 8 + 13, 0);
    f[12] = 0x08;
    f[13] = 0x00;
    const std::size_t ip = 14, udp = 34;
    f[ip] = 0x45;
    f[ip + 3] = 20 + 8 + 13;
    f[ip + 6] = static_cast<std::uint8_t>(frag >> 8);
    f[ip + 7] = static_cast<std::uint8_t>(frag);
    f[ip + 8] = 64;
    f[ip + 9] = 17;
    const std::uint8_t addrs[8] = {10, 219, 0, 1, 10, 219, 0, 2};
    for (int i = 0; i < 8; ++i) f[ip + 12 + i] = addrs[i];
    f[udp + 1] = 0x50;  // ports
    f[udp + 3] = 0x51;
    f[udp + 5] = 8 + 13;
    for (std::size_t i = 0; i < 13; ++i) f[udp + 8 + i] = static_cast<std::uint8_t>(0x41 + i);
    const std::uint32_t pseudo = sum16(f, ip + 12, 8) + 17 + 21;
    std::uint16_t check = 0;
    if (how == Check::full) check = static_cast<std::uint16_t>(~fold(sum16(f, udp, 21, pseudo)));
    if (how == Check::partial) check = fold(pseudo);
    if (how == Check::wrong) check = 0x1234;
    f[udp + 6] = static_cast<std::uint8_t>(check >> 8);
    f[udp + 7] = static_cast<std::uint8_t>(check);
    return f;
}

TEST(NetpassChecksum, PartialUdpChecksumIsCompleted) {
    Bytes f = udp4(Check::partial);
    EXPECT_TRUE(complete_partial_checksum(f));
    EXPECT_EQ(f, udp4(Check::full));
}

TEST(NetpassChecksum, CompleteWrongAndAbsentChecksumsAreLeftAlone) {
    for (Check how : {Check::full, Check::wrong, Check::none}) {
        Bytes f = udp4(how);
        const Bytes before = f;
        EXPECT_FALSE(complete_partial_checksum(f)) << static_cast<int>(how);
        EXPECT_EQ(f, before);
    }
}

TEST(NetpassChecksum, FragmentsTruncatedAndOtherFramesAreLeftAlone) {
    Bytes fragment = udp4(Check::partial, 0x2000);  // more fragments
    EXPECT_FALSE(complete_partial_checksum(fragment));
    Bytes cut = udp4(Check::partial);
    cut.resize(40);
    EXPECT_FALSE(complete_partial_checksum(cut));
    Bytes arp(42, 0);
    arp[12] = 0x08;
    arp[13] = 0x06;
    EXPECT_FALSE(complete_partial_checksum(arp));
    Bytes tiny(6, 0);
    EXPECT_FALSE(complete_partial_checksum(tiny));
}

TEST(NetpassChecksum, PartialTcpOverIpv6IsCompleted) {
    Bytes f(14 + 40 + 20 + 5, 0);
    f[12] = 0x86;
    f[13] = 0xdd;
    const std::size_t ip = 14, tcp = 54;
    f[ip] = 0x60;
    f[ip + 5] = 25;  // payload length
    f[ip + 6] = 6;   // TCP
    f[ip + 7] = 64;
    f[ip + 8] = 0xfd;
    f[ip + 23] = 1;
    f[ip + 24] = 0xfd;
    f[ip + 39] = 2;
    f[tcp + 12] = 0x50;  // data offset 5
    for (std::size_t i = 0; i < 5; ++i) f[tcp + 20 + i] = static_cast<std::uint8_t>(i + 1);
    const std::uint32_t pseudo = sum16(f, ip + 8, 32) + 6 + 25;
    const std::uint16_t partial = fold(pseudo);
    f[tcp + 16] = static_cast<std::uint8_t>(partial >> 8);
    f[tcp + 17] = static_cast<std::uint8_t>(partial);
    ASSERT_TRUE(complete_partial_checksum(f));
    EXPECT_EQ(fold(sum16(f, tcp, 25, pseudo)), 0xffff) << "the segment verifies";
    EXPECT_FALSE(complete_partial_checksum(f)) << "a second pass changes nothing";
}

}  // namespace
}  // namespace nf::netpass
