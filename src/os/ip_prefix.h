#pragma once
// An interface address with its prefix length, IPv4 or IPv6 ("10.1.0.2/24", "fd00::2/64").
#include <sys/socket.h>

#include <compare>
#include <string>
#include <string_view>

namespace nf::os {

struct IpPrefix {
    int family = AF_INET;  // AF_INET or AF_INET6
    std::string address;   // canonical text form, no prefix
    unsigned prefix_len = 0;

    // "ADDR/LEN", or a bare address (full-length prefix). Throws ConfigError on anything else.
    static IpPrefix parse(std::string_view text);
    std::string to_string() const;
    auto operator<=>(const IpPrefix&) const = default;
};

}  // namespace nf::os
