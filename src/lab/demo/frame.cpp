#include "lab/demo/frame.h"

namespace nf::lab::demo {
namespace {

constexpr std::size_t kEthHeader = 14;
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeVlan = 0x8100;
constexpr std::uint8_t kProtoUdp = 17;
constexpr std::size_t kUdpHeader = 8;

std::uint16_t be16(std::span<const std::byte> bytes, std::size_t at) {
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(bytes[at]) << 8) | std::to_integer<unsigned>(bytes[at + 1]));
}

}  // namespace

std::optional<UdpInFrame> udp_in_frame(std::span<const std::byte> frame) {
    if (frame.size() < kEthHeader) return std::nullopt;
    std::size_t at = 12;
    std::uint16_t ether_type = be16(frame, at);
    at += 2;
    if (ether_type == kEtherTypeVlan) {
        if (frame.size() < at + 4) return std::nullopt;
        ether_type = be16(frame, at + 2);
        at += 4;
    }
    if (ether_type != kEtherTypeIpv4) return std::nullopt;
    const auto ip = frame.subspan(at);
    if (ip.size() < 20) return std::nullopt;
    const unsigned version = std::to_integer<unsigned>(ip[0]) >> 4;
    const std::size_t header_len = (std::to_integer<unsigned>(ip[0]) & 0x0f) * 4u;
    if (version != 4 || header_len < 20 || ip.size() < header_len) return std::nullopt;
    const std::size_t total_len = be16(ip, 2);
    if (total_len < header_len + kUdpHeader || total_len > ip.size()) return std::nullopt;  // ip.size() may include padding
    const std::uint16_t fragment = be16(ip, 6);
    if ((fragment & 0x3fff) != 0) return std::nullopt;  // MF set or a non-zero offset
    if (std::to_integer<std::uint8_t>(ip[9]) != kProtoUdp) return std::nullopt;
    const auto udp = ip.subspan(header_len, total_len - header_len);
    const std::size_t udp_len = be16(udp, 4);
    if (udp_len < kUdpHeader || udp_len > udp.size()) return std::nullopt;
    return UdpInFrame{be16(udp, 0), be16(udp, 2), udp.subspan(kUdpHeader, udp_len - kUdpHeader)};
}

}  // namespace nf::lab::demo
