// udp_in_frame: the UDP payload of hand-made Ethernet frames, and everything it must refuse.
#include <gtest/gtest.h>

#include <vector>

#include "lab/demo/frame.h"

namespace nf::lab::demo {
namespace {

std::vector<std::byte> bytes(std::initializer_list<int> values) {
    std::vector<std::byte> out;
    for (int v : values) out.push_back(static_cast<std::byte>(v));
    return out;
}

// Ethernet + IPv4 (20 bytes) + UDP 1234 -> 47000 with payload "abc", optionally VLAN-tagged, padded.
std::vector<std::byte> frame(bool vlan = false, int protocol = 17, int fragment_hi = 0x40, std::size_t padding = 0) {
    auto out = bytes({0x52, 0x54, 0, 0, 0, 1, 0x52, 0x54, 0, 0, 0, 2});
    if (vlan) {
        auto tag = bytes({0x81, 0x00, 0x00, 0x05});
        out.insert(out.end(), tag.begin(), tag.end());
    }
    auto rest = bytes({0x08, 0x00,                                       // IPv4
                       0x45, 0, 0, 31, 0, 0, fragment_hi, 0, 64, protocol, 0, 0,  // total 31 = 20 + 8 + 3
                       10, 0, 0, 1, 10, 0, 0, 2,                                   // addresses
                       0x04, 0xd2, 0xb7, 0x98, 0, 11, 0, 0,                        // UDP 1234 -> 47000, len 11
                       'a', 'b', 'c'});
    out.insert(out.end(), rest.begin(), rest.end());
    out.resize(out.size() + padding, std::byte{0});
    return out;
}

std::string payload_text(const UdpInFrame& udp) {
    std::string text;
    for (auto b : udp.payload) text.push_back(static_cast<char>(b));
    return text;
}

TEST(DemoFrame, FindsThePayloadOfAPlainFrame) {
    const auto f = frame();
    const auto udp = udp_in_frame(f);
    ASSERT_TRUE(udp);
    EXPECT_EQ(udp->source_port, 1234);
    EXPECT_EQ(udp->dest_port, 47000);
    EXPECT_EQ(payload_text(*udp), "abc");
}

TEST(DemoFrame, SkipsAVlanTagAndIgnoresEthernetPadding) {
    const auto f = frame(true, 17, 0x40, 20);
    const auto udp = udp_in_frame(f);
    ASSERT_TRUE(udp);
    EXPECT_EQ(payload_text(*udp), "abc");
}

TEST(DemoFrame, RefusesOtherProtocolsFragmentsAndTruncation) {
    EXPECT_FALSE(udp_in_frame(frame(false, 6)));          // TCP
    EXPECT_FALSE(udp_in_frame(frame(false, 17, 0x20)));   // more fragments
    auto truncated = frame();
    truncated.resize(truncated.size() - 2);               // IP total length beyond the frame
    EXPECT_FALSE(udp_in_frame(truncated));
    auto arp = frame();
    arp[12] = std::byte{0x08};
    arp[13] = std::byte{0x06};
    EXPECT_FALSE(udp_in_frame(arp));
    EXPECT_FALSE(udp_in_frame(std::span<const std::byte>()));
}

}  // namespace
}  // namespace nf::lab::demo
