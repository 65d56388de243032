#pragma once
// The frames that tell the network the master's addresses moved to a new port: a gratuitous ARP per
// IPv4 address and an unsolicited neighbour advertisement per IPv6 address. Pure builders.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/mac_address.h"

namespace nf::daemon {

using Frame = std::vector<std::uint8_t>;
using Ipv4Address = std::array<std::uint8_t, 4>;
using Ipv6Address = std::array<std::uint8_t, 16>;

std::optional<Ipv4Address> parse_ipv4(std::string_view text);
std::optional<Ipv6Address> parse_ipv6(std::string_view text);

// ARP request form (RFC 5227 §3): broadcast, sender = target = ip, target hardware address zero.
// 42 bytes; the NIC pads to the Ethernet minimum.
Frame build_gratuitous_arp(const MacAddress& mac, const Ipv4Address& ip);

// Unsolicited NA (RFC 4861 §7.2.6) to ff02::1 from `ip` itself, hop limit 255, Override set, Solicited
// and Router clear, with a target link-layer address option. 86 bytes.
Frame build_unsolicited_na(const MacAddress& mac, const Ipv6Address& ip);

}  // namespace nf::daemon
