#pragma once
// Sends announce frames (GARP / unsolicited NA) out of one slave with an AF_PACKET socket, so they leave
// by the port the switch must learn, whatever the datapath. One socket, made in the slaves' namespace at
// the first switch, addresses every frame to the active slave's ifindex (a returning VF is a new device,
// platform-notes §7.7, possibly under a reused ifindex: it gets the frames as soon as it has the number).
#include <cstdint>
#include <span>

#include "common/unique_fd.h"
#include "os/netns.h"

namespace nf::failoverd {

class AnnounceSender {
public:
    explicit AnnounceSender(const os::Netns& slave_netns) : netns_(slave_netns) {}

    // Frames go out of this slave from now on (0: nowhere; send() then fails with ENODEV). Makes the
    // socket the first time only.
    void bind_to(int ifindex);
    // Throws nf::SystemError; the Announcer counts that as a send error.
    void send(std::span<const std::uint8_t> frame);
    int ifindex() const { return ifindex_; }

private:
    const os::Netns& netns_;
    UniqueFd socket_;
    int ifindex_ = 0;
};

}  // namespace nf::failoverd
