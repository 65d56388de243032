#include "common/mac_address.h"

#include <cstdio>

namespace nf {

namespace {
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
    if (text.size() != 17) return std::nullopt;
    std::array<std::uint8_t, 6> out{};
    for (std::size_t i = 0; i < 6; ++i) {
        const std::size_t at = i * 3;
        const int hi = hex_value(text[at]);
        const int lo = hex_value(text[at + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        if (i < 5 && text[at + 2] != ':') return std::nullopt;
        out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    }
    return MacAddress(out);
}

MacAddress MacAddress::from_bytes(const std::uint8_t* bytes) {
    std::array<std::uint8_t, 6> out{};
    for (std::size_t i = 0; i < 6; ++i) out[i] = bytes[i];
    return MacAddress(out);
}

std::string MacAddress::to_string() const {
    char buf[18];
    std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes_[0], bytes_[1], bytes_[2], bytes_[3],
                  bytes_[4], bytes_[5]);
    return buf;
}

bool MacAddress::is_zero() const {
    for (auto b : bytes_)
        if (b != 0) return false;
    return true;
}

}  // namespace nf
