#pragma once
// The traffic stream's UDP payload: a fixed 32-byte header in network byte order, then zero padding up
// to the configured datagram size.
//
//   0  magic u32 "NFTR"   4 version u8   5 direction u8   6 sender path tag u16
//   8  stream id u32     12 reserved u32 (zero)
//  16  sequence u64      24 send time u64, CLOCK_MONOTONIC ns (see clock.h)
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace nf::lab {

enum class Direction : std::uint8_t { ClientToVm = 0, VmToClient = 1 };
inline constexpr std::size_t kDirectionCount = 2;

std::string_view to_string(Direction direction);
// Accepts "client-to-vm"/"c2v" and "vm-to-client"/"v2c".
std::optional<Direction> parse_direction(std::string_view text);

struct PacketHeader {
    static constexpr std::uint32_t kMagic = 0x4E465452;  // "NFTR"
    static constexpr std::uint8_t kVersion = 1;
    static constexpr std::size_t kSize = 32;
    // Big enough for jumbo frames; the stream is about fates and timing, not bulk throughput.
    static constexpr std::size_t kMaxDatagram = 9000;

    std::uint32_t stream_id = 0;
    Direction direction = Direction::ClientToVm;
    std::uint64_t sequence = 0;
    std::int64_t send_ns = 0;
    std::uint16_t path_tag = 0;  // set by the sender, e.g. which port it sent from; 0 = untagged

    bool operator==(const PacketHeader&) const = default;
};

// Writes the header and zero padding into `out` (its size is the datagram size, >= kSize).
void encode(const PacketHeader& header, std::span<std::byte> out);

enum class DecodeError { Short, BadMagic, BadVersion, BadDirection };
std::string_view to_string(DecodeError error);

struct DecodeResult {
    std::optional<PacketHeader> header;
    DecodeError error = DecodeError::Short;  // meaningful only when !header
};

DecodeResult decode(std::span<const std::byte> datagram);

}  // namespace nf::lab
