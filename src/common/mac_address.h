#pragma once
// A 6-byte Ethernet address, the pairing key of failover (perm_addr, rule P3).
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nf {

class MacAddress {
public:
    constexpr MacAddress() = default;
    constexpr explicit MacAddress(std::array<std::uint8_t, 6> bytes) : bytes_(bytes) {}

    // Parses "aa:bb:cc:dd:ee:ff" (case-insensitive); nullopt on anything else.
    static std::optional<MacAddress> parse(std::string_view text);
    // Copies 6 bytes from a raw buffer (netlink attribute, sockaddr_ll).
    static MacAddress from_bytes(const std::uint8_t* bytes);

    std::string to_string() const;
    const std::array<std::uint8_t, 6>& bytes() const { return bytes_; }
    const std::uint8_t* data() const { return bytes_.data(); }
    bool is_zero() const;
    bool is_multicast() const { return (bytes_[0] & 0x01) != 0; }

    auto operator<=>(const MacAddress&) const = default;

private:
    std::array<std::uint8_t, 6> bytes_{};
};

}  // namespace nf
