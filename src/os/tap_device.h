#pragma once
// A TAP netdev and the fd that feeds it, with virtio-net headers so GSO/partial-checksum frames cross
// whole (platform-notes §6). Shared by the packet datapath (failover master) and the lab VMM (virtio
// backend). Non-persistent: closing the fd destroys the netdev.
#include <sys/types.h>

#include <span>
#include <string>

#include "common/unique_fd.h"

namespace nf::os {

struct TapOptions {
    bool vnet_hdr = true;      // IFF_VNET_HDR + TUNSETVNETHDRSZ(kVnetHdrSize)
    bool offloads = true;      // TUNSETOFFLOAD CSUM|TSO4|TSO6: our reader takes partial-csum/TSO frames
    bool nonblocking = true;   // O_NONBLOCK: read() returns -1/EAGAIN instead of waiting
};

class TapDevice {
public:
    static constexpr std::size_t kVnetHdrSize = 10;  // struct virtio_net_hdr

    // Creates the tap `name` in the namespace netns_fd (-1 = current), or attaches to an existing
    // persistent one of that name; the netdev appears there, the fd works from any namespace.
    // Admin state, MAC and MTU are left to the caller (rtnetlink).
    static TapDevice open(const std::string& name, int netns_fd = -1, TapOptions options = {});

    // Takes over a tap fd another process opened (live migration hands the guest's tap to the next VMM):
    // reads its name and flags back (TUNGETIFF). The ifindex is not known here (the netdev may live in a
    // namespace we are not in): 0. Throws SystemError when fd is not a tap.
    static TapDevice adopt(UniqueFd fd);

    const std::string& name() const { return name_; }
    int ifindex() const { return ifindex_; }   // in the namespace it was created in
    int fd() const { return fd_.get(); }
    bool vnet_hdr() const { return vnet_hdr_; }

    // TUNSETCARRIER: the netdev's carrier as its users see it.
    void set_carrier(bool on);

    // One frame ([vnet hdr] + Ethernet frame) per call; plain ::read/::write results, errno preserved
    // (EAGAIN when empty; EIO when the netdev is down; EBADFD once its namespace is gone).
    ssize_t read(std::span<std::byte> buffer) const;
    ssize_t write(std::span<const std::byte> frame) const;

private:
    TapDevice(UniqueFd fd, std::string name, int ifindex, bool vnet_hdr)
        : fd_(std::move(fd)), name_(std::move(name)), ifindex_(ifindex), vnet_hdr_(vnet_hdr) {}

    UniqueFd fd_;
    std::string name_;
    int ifindex_ = 0;
    bool vnet_hdr_ = false;
};

}  // namespace nf::os
