#pragma once
// IPv4 arithmetic on the lab subnet: which addresses are in it, and the n-th host address for defaults.
#include <cstdint>
#include <string>

#include "os/ip_prefix.h"

namespace nf::lab {

std::uint32_t ipv4_to_host_order(const std::string& address);  // throws ConfigError if not IPv4
std::string ipv4_to_string(std::uint32_t host_order);
std::uint32_t ipv4_mask(unsigned prefix_len);

bool in_subnet(const os::IpPrefix& subnet, const std::string& address);
// subnet's network address + index, with the subnet's prefix length ("10.77.0.0/24", 10 → 10.77.0.10/24).
os::IpPrefix subnet_address(const os::IpPrefix& subnet, std::uint32_t index);

}  // namespace nf::lab
