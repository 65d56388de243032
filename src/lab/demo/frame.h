#pragma once
// Pulls the UDP payload out of an Ethernet frame as a packet socket sees it (optionally one 802.1Q tag,
// IPv4 without fragmentation). Pure: no sockets, unit-testable with hand-made frames.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace nf::lab::demo {

struct UdpInFrame {
    std::uint16_t source_port = 0;
    std::uint16_t dest_port = 0;
    std::span<const std::byte> payload;  // points into the frame
};

// nullopt for anything that is not a whole, unfragmented IPv4 UDP datagram.
std::optional<UdpInFrame> udp_in_frame(std::span<const std::byte> frame);

}  // namespace nf::lab::demo
