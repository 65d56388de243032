#pragma once
// An IPv4 UDP endpoint "10.0.0.2:5000", the only kind the lab's streams use.
#include <netinet/in.h>

#include <string>
#include <string_view>

#include "common/unique_fd.h"

namespace nf::lab {

struct UdpAddress {
    sockaddr_in sockaddr{};

    // Throws ConfigError naming the problem on anything but "a.b.c.d:port".
    static UdpAddress parse(std::string_view text);
    std::string to_string() const;
};

// A UDP socket in the calling thread's network namespace (a socket stays in the namespace it was
// created in: the lab may create it inside a namespace and use it from anywhere), optionally bound.
UniqueFd open_udp_socket(const UdpAddress* bind_to);

}  // namespace nf::lab
