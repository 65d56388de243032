#include "os/ip_prefix.h"

#include <arpa/inet.h>

#include <charconv>

#include "common/error.h"

namespace nf::os {

IpPrefix IpPrefix::parse(std::string_view text) {
    const auto slash = text.find('/');
    const std::string addr(text.substr(0, slash));
    IpPrefix out;
    unsigned char buf[16];
    if (::inet_pton(AF_INET, addr.c_str(), buf) == 1) {
        out.family = AF_INET;
    } else if (::inet_pton(AF_INET6, addr.c_str(), buf) == 1) {
        out.family = AF_INET6;
    } else {
        throw ConfigError("invalid IP address '" + std::string(text) + "'");
    }
    char canon[INET6_ADDRSTRLEN];
    ::inet_ntop(out.family, buf, canon, sizeof canon);
    out.address = canon;
    const unsigned max_len = out.family == AF_INET ? 32 : 128;
    out.prefix_len = max_len;
    if (slash != std::string_view::npos) {
        const auto len = text.substr(slash + 1);
        const auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), out.prefix_len);
        if (ec != std::errc{} || end != len.data() + len.size() || len.empty() || out.prefix_len > max_len)
            throw ConfigError("invalid prefix length in '" + std::string(text) + "'");
    }
    return out;
}

std::string IpPrefix::to_string() const { return address + "/" + std::to_string(prefix_len); }

}  // namespace nf::os
