#include "lab/topology/subnet.h"

#include <arpa/inet.h>

#include "common/error.h"

namespace nf::lab {

std::uint32_t ipv4_to_host_order(const std::string& address) {
    in_addr addr{};
    if (::inet_pton(AF_INET, address.c_str(), &addr) != 1) throw ConfigError("'" + address + "' is not an IPv4 address");
    return ntohl(addr.s_addr);
}

std::string ipv4_to_string(std::uint32_t host_order) {
    in_addr addr{htonl(host_order)};
    char text[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &addr, text, sizeof text);
    return text;
}

std::uint32_t ipv4_mask(unsigned prefix_len) {
    return prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_len);
}

bool in_subnet(const os::IpPrefix& subnet, const std::string& address) {
    const auto mask = ipv4_mask(subnet.prefix_len);
    return (ipv4_to_host_order(address) & mask) == (ipv4_to_host_order(subnet.address) & mask);
}

os::IpPrefix subnet_address(const os::IpPrefix& subnet, std::uint32_t index) {
    const auto network = ipv4_to_host_order(subnet.address) & ipv4_mask(subnet.prefix_len);
    return os::IpPrefix{AF_INET, ipv4_to_string(network + index), subnet.prefix_len};
}

}  // namespace nf::lab
