#pragma once
// The Internet checksum (RFC 1071): a 16-bit ones'-complement sum of big-endian words. Shared by what
// builds frames (failoverd's unsolicited neighbour advertisements) and what repairs them (netpass
// completing a partial TCP/UDP checksum). Header-only: the netpass core links nothing of src/common.
#include <cstddef>
#include <cstdint>
#include <span>

namespace nf {

// Adds `bytes` as big-endian 16-bit words (an odd last byte padded with zero) to a 32-bit accumulator;
// fold it with inet_checksum_fold() once everything is added (no carry is lost below 128 KiB).
inline std::uint32_t inet_checksum_add(std::uint32_t sum, std::span<const std::uint8_t> bytes) {
    std::size_t i = 0;
    for (; i + 1 < bytes.size(); i += 2) sum += static_cast<std::uint32_t>(bytes[i] << 8 | bytes[i + 1]);
    if (i < bytes.size()) sum += static_cast<std::uint32_t>(bytes[i]) << 8;
    return sum;
}

// The accumulator's carries folded back in: the 16-bit ones'-complement sum (the checksum is its complement).
inline std::uint16_t inet_checksum_fold(std::uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

}  // namespace nf
