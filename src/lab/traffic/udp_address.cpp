#include "lab/traffic/udp_address.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>

#include "common/error.h"

namespace nf::lab {

UdpAddress UdpAddress::parse(std::string_view text) {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
        throw ConfigError("UDP address '" + std::string(text) + "' has no port (expected a.b.c.d:port)");
    const std::string host(text.substr(0, colon));
    const std::string_view port_text = text.substr(colon + 1);
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535)
        throw ConfigError("UDP address '" + std::string(text) + "' has a bad port (expected 0..65535)");
    UdpAddress address;
    address.sockaddr.sin_family = AF_INET;
    address.sockaddr.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, host.c_str(), &address.sockaddr.sin_addr) != 1)
        throw ConfigError("UDP address '" + std::string(text) + "' has a bad IPv4 address '" + host + "'");
    return address;
}

std::string UdpAddress::to_string() const {
    char host[INET_ADDRSTRLEN] = {};
    ::inet_ntop(AF_INET, &sockaddr.sin_addr, host, sizeof host);
    return std::string(host) + ':' + std::to_string(ntohs(sockaddr.sin_port));
}

UniqueFd open_udp_socket(const UdpAddress* bind_to) {
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("creating a UDP socket");
    if (bind_to &&
        ::bind(fd.get(), reinterpret_cast<const struct sockaddr*>(&bind_to->sockaddr), sizeof bind_to->sockaddr) < 0)
        throw_errno("binding a UDP socket to " + bind_to->to_string());
    return fd;
}

}  // namespace nf::lab
