#include "lab/traffic/wire.h"

#include <algorithm>
#include <stdexcept>

namespace nf::lab {
namespace {

// Byte-by-byte big-endian access: no alignment or host-order assumptions about the buffer.
template <typename T>
void put_be(std::span<std::byte> out, std::size_t at, T value) {
    for (std::size_t i = 0; i < sizeof(T); ++i)
        out[at + i] = static_cast<std::byte>((static_cast<std::uint64_t>(value) >> (8 * (sizeof(T) - 1 - i))) & 0xff);
}

template <typename T>
T get_be(std::span<const std::byte> in, std::size_t at) {
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) value = (value << 8) | std::to_integer<std::uint64_t>(in[at + i]);
    return static_cast<T>(value);
}

}  // namespace

std::string_view to_string(Direction direction) {
    return direction == Direction::ClientToVm ? "client-to-vm" : "vm-to-client";
}

std::optional<Direction> parse_direction(std::string_view text) {
    if (text == "client-to-vm" || text == "c2v") return Direction::ClientToVm;
    if (text == "vm-to-client" || text == "v2c") return Direction::VmToClient;
    return std::nullopt;
}

std::string_view to_string(DecodeError error) {
    switch (error) {
        case DecodeError::Short: return "short";
        case DecodeError::BadMagic: return "bad magic";
        case DecodeError::BadVersion: return "bad version";
        case DecodeError::BadDirection: return "bad direction";
    }
    return "unknown";
}

void encode(const PacketHeader& header, std::span<std::byte> out) {
    if (out.size() < PacketHeader::kSize)
        throw std::invalid_argument("traffic datagram of " + std::to_string(out.size()) + " bytes is smaller than the " +
                                    std::to_string(PacketHeader::kSize) + "-byte header");
    std::fill(out.begin(), out.end(), std::byte{0});
    put_be<std::uint32_t>(out, 0, PacketHeader::kMagic);
    put_be<std::uint8_t>(out, 4, PacketHeader::kVersion);
    put_be<std::uint8_t>(out, 5, static_cast<std::uint8_t>(header.direction));
    put_be<std::uint16_t>(out, 6, header.path_tag);
    put_be<std::uint32_t>(out, 8, header.stream_id);
    put_be<std::uint64_t>(out, 16, header.sequence);
    put_be<std::uint64_t>(out, 24, static_cast<std::uint64_t>(header.send_ns));
}

DecodeResult decode(std::span<const std::byte> datagram) {
    if (datagram.size() < PacketHeader::kSize) return {std::nullopt, DecodeError::Short};
    if (get_be<std::uint32_t>(datagram, 0) != PacketHeader::kMagic) return {std::nullopt, DecodeError::BadMagic};
    if (get_be<std::uint8_t>(datagram, 4) != PacketHeader::kVersion) return {std::nullopt, DecodeError::BadVersion};
    const auto direction = get_be<std::uint8_t>(datagram, 5);
    if (direction >= kDirectionCount) return {std::nullopt, DecodeError::BadDirection};
    PacketHeader header;
    header.direction = static_cast<Direction>(direction);
    header.path_tag = get_be<std::uint16_t>(datagram, 6);
    header.stream_id = get_be<std::uint32_t>(datagram, 8);
    header.sequence = get_be<std::uint64_t>(datagram, 16);
    header.send_ns = static_cast<std::int64_t>(get_be<std::uint64_t>(datagram, 24));
    return {header, DecodeError::Short};
}

}  // namespace nf::lab
