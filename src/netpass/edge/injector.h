#pragma once
// Sends frames out of a tap toward the guest (AF_PACKET on the tap: its transmit path, which the VMM
// reads), marked NP_INJECT_MARK so our own tc program lets them through even while holding. A TCP/UDP
// frame kept with a partial checksum is sent with its checksum completed (netpass/checksum.h).
#include <cstdint>
#include <span>

#include "common/unique_fd.h"

namespace nf::netpass::edge {

class Injector {
public:
    // netns_fd < 0: the current namespace (the socket stays bound to the tap's namespace).
    Injector(int netns_fd, int ifindex);
    // false when the kernel refused the frame (e.g. larger than the tap's MTU); the caller counts it.
    bool send(std::span<const std::uint8_t> frame);

private:
    UniqueFd fd_;
    int ifindex_;
};

}  // namespace nf::netpass::edge
