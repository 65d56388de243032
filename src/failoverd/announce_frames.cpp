#include "failoverd/announce_frames.h"

#include <arpa/inet.h>

#include <string>

#include "common/inet_checksum.h"

namespace nf::daemon {
namespace {

constexpr std::uint16_t kEtherTypeArp = 0x0806;
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr std::uint8_t kIpProtoIcmpv6 = 58;
constexpr std::uint8_t kIcmpv6NeighbourAdvert = 136;
constexpr std::uint8_t kNdOptTargetLinkLayer = 2;
constexpr std::uint32_t kNaFlagOverride = 0x20000000;

constexpr Ipv6Address kAllNodes{0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};

void put16(Frame& f, std::uint16_t v) {
    f.push_back(static_cast<std::uint8_t>(v >> 8));
    f.push_back(static_cast<std::uint8_t>(v));
}

void put32(Frame& f, std::uint32_t v) {
    put16(f, static_cast<std::uint16_t>(v >> 16));
    put16(f, static_cast<std::uint16_t>(v));
}

template <std::size_t N>
void put(Frame& f, const std::array<std::uint8_t, N>& bytes) {
    f.insert(f.end(), bytes.begin(), bytes.end());
}

void put_ethernet(Frame& f, const std::array<std::uint8_t, 6>& dst, const MacAddress& src, std::uint16_t type) {
    put(f, dst);
    put(f, src.bytes());
    put16(f, type);
}

}  // namespace

std::optional<Ipv4Address> parse_ipv4(std::string_view text) {
    Ipv4Address a{};
    if (::inet_pton(AF_INET, std::string(text).c_str(), a.data()) != 1) return std::nullopt;
    return a;
}

std::optional<Ipv6Address> parse_ipv6(std::string_view text) {
    Ipv6Address a{};
    if (::inet_pton(AF_INET6, std::string(text).c_str(), a.data()) != 1) return std::nullopt;
    return a;
}


Frame build_gratuitous_arp(const MacAddress& mac, const Ipv4Address& ip) {
    Frame f;
    f.reserve(42);
    put_ethernet(f, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, mac, kEtherTypeArp);
    put16(f, 1);               // hardware type: Ethernet
    put16(f, kEtherTypeIpv4);  // protocol type
    f.push_back(6);            // hardware address length
    f.push_back(4);            // protocol address length
    put16(f, 1);               // request: every host updates its cache, unlike a reply some ignore
    put(f, mac.bytes());
    put(f, ip);
    put(f, std::array<std::uint8_t, 6>{});
    put(f, ip);
    return f;
}

Frame build_unsolicited_na(const MacAddress& mac, const Ipv6Address& ip) {
    constexpr std::uint16_t kIcmpLength = 24 + 8;  // NA header + target link-layer option
    Frame f;
    f.reserve(14 + 40 + kIcmpLength);
    put_ethernet(f, {0x33, 0x33, 0x00, 0x00, 0x00, 0x01}, mac, kEtherTypeIpv6);
    put32(f, 0x60000000);   // version 6, traffic class 0, flow label 0
    put16(f, kIcmpLength);
    f.push_back(kIpProtoIcmpv6);
    f.push_back(255);       // hop limit 255: receivers drop ND from off-link otherwise
    put(f, ip);
    put(f, kAllNodes);
    const std::size_t icmp = f.size();
    f.push_back(kIcmpv6NeighbourAdvert);
    f.push_back(0);         // code
    put16(f, 0);            // checksum, filled below
    put32(f, kNaFlagOverride);
    put(f, ip);
    f.push_back(kNdOptTargetLinkLayer);
    f.push_back(1);         // option length in units of 8 bytes
    put(f, mac.bytes());

    // Pseudo-header: source, destination, upper-layer length, next header.
    std::uint32_t sum = inet_checksum_add(0, ip);
    sum = inet_checksum_add(sum, kAllNodes);
    sum += kIcmpLength + kIpProtoIcmpv6;
    sum = inet_checksum_add(sum, std::span<const std::uint8_t>(f).subspan(icmp));
    const auto checksum = static_cast<std::uint16_t>(~inet_checksum_fold(sum));
    f[icmp + 2] = static_cast<std::uint8_t>(checksum >> 8);
    f[icmp + 3] = static_cast<std::uint8_t>(checksum);
    return f;
}

}  // namespace nf::daemon
