#include "migration/bytes.h"

#include <stdexcept>

namespace nf::migration {

void put_be16(Bytes& out, std::uint16_t value) {
    out.push_back(static_cast<std::byte>(value >> 8));
    out.push_back(static_cast<std::byte>(value));
}

void put_be32(Bytes& out, std::uint32_t value) {
    put_be16(out, static_cast<std::uint16_t>(value >> 16));
    put_be16(out, static_cast<std::uint16_t>(value));
}

void put_be64(Bytes& out, std::uint64_t value) {
    put_be32(out, static_cast<std::uint32_t>(value >> 32));
    put_be32(out, static_cast<std::uint32_t>(value));
}

void put_bytes(Bytes& out, ByteView bytes) { out.insert(out.end(), bytes.begin(), bytes.end()); }

void put_string8(Bytes& out, std::string_view text) {
    if (text.size() > 255) throw std::length_error("string longer than 255 bytes: " + std::string(text.substr(0, 32)));
    out.push_back(static_cast<std::byte>(text.size()));
    for (char c : text) out.push_back(static_cast<std::byte>(c));
}

std::uint16_t get_be16(ByteView in, std::size_t at) {
    return static_cast<std::uint16_t>((std::to_integer<unsigned>(in[at]) << 8) | std::to_integer<unsigned>(in[at + 1]));
}

std::uint32_t get_be32(ByteView in, std::size_t at) {
    return (std::uint32_t{get_be16(in, at)} << 16) | get_be16(in, at + 2);
}

std::uint64_t get_be64(ByteView in, std::size_t at) {
    return (std::uint64_t{get_be32(in, at)} << 32) | get_be32(in, at + 4);
}

Bytes to_bytes(std::string_view text) {
    Bytes out;
    out.reserve(text.size());
    for (char c : text) out.push_back(static_cast<std::byte>(c));
    return out;
}

}  // namespace nf::migration
