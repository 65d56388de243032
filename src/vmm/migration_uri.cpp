#include "vmm/migration_uri.h"

#include <arpa/inet.h>
#include <sys/un.h>

#include <charconv>

namespace nf::vmm {

namespace {

bool numeric_address(const std::string& host) {
    in6_addr v6{};
    in_addr v4{};
    return ::inet_pton(AF_INET, host.c_str(), &v4) == 1 || ::inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

std::variant<MigrationUri, std::string> parse_tcp(const std::string& text, const std::string& rest) {
    const auto bad = [&](const std::string& why) { return "error parsing address '" + rest + "': " + why; };
    std::string host, port_text;
    if (!rest.empty() && rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
            return bad("expected [IPV6]:PORT");
        host = rest.substr(1, close - 1);
        port_text = rest.substr(close + 2);
    } else {
        const auto colon = rest.rfind(':');
        if (colon == std::string::npos) return bad("expected HOST:PORT");
        host = rest.substr(0, colon);
        port_text = rest.substr(colon + 1);
        if (host.find(':') != std::string::npos) return bad("an IPv6 address needs brackets: [ADDR]:PORT");
    }
    if (host.empty()) return bad("no host");
    if (!numeric_address(host)) return bad("host '" + host + "' is not a numeric IPv4/IPv6 address (no name lookups)");
    unsigned port = 0;
    const auto* end = port_text.data() + port_text.size();
    const auto [ptr, ec] = std::from_chars(port_text.data(), end, port);
    if (port_text.empty() || ec != std::errc{} || ptr != end || port == 0 || port > 65535)
        return bad("port '" + port_text + "' is not a number in 1-65535");
    MigrationUri uri;
    uri.kind = MigrationUri::Kind::Tcp;
    uri.host = host;
    uri.port = static_cast<std::uint16_t>(port);
    uri.text = text;
    return uri;
}

}  // namespace

std::variant<MigrationUri, std::string> parse_migration_uri(const std::string& text) {
    if (text.starts_with("tcp:")) return parse_tcp(text, text.substr(4));
    if (text.starts_with("unix:")) {
        std::string path = text.substr(5);
        if (path.empty()) return std::string("unix: needs a socket path");
        if (path.size() >= sizeof(sockaddr_un{}.sun_path)) return "unix:" + path + ": path too long";
        MigrationUri uri;
        uri.kind = MigrationUri::Kind::Unix;
        uri.path = std::move(path);
        uri.text = text;
        return uri;
    }
    return "unknown migration protocol: " + text;
}

}  // namespace nf::vmm
