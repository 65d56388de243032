#pragma once
// Byte buffers and big-endian helpers shared by the stream, the return path and the netpass records.
// Hand-written because the formats are a few fixed-width integers; a serialization library would not
// give QEMU's exact return-path and netpass framing.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace nf::migration {

using Bytes = std::vector<std::byte>;
using ByteView = std::span<const std::byte>;

void put_be16(Bytes& out, std::uint16_t value);
void put_be32(Bytes& out, std::uint32_t value);
void put_be64(Bytes& out, std::uint64_t value);
void put_bytes(Bytes& out, ByteView bytes);
void put_string8(Bytes& out, std::string_view text);  // u8 length + bytes; throws std::length_error > 255

// Callers check the length first; these read exactly 2/4/8 bytes at `at`.
std::uint16_t get_be16(ByteView in, std::size_t at);
std::uint32_t get_be32(ByteView in, std::size_t at);
std::uint64_t get_be64(ByteView in, std::size_t at);

Bytes to_bytes(std::string_view text);

}  // namespace nf::migration
