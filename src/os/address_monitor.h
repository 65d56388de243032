#pragma once
// AddressMonitor: which links' IP addresses changed (RTM_NEWADDR / RTM_DELADDR of rtnetlink's IPv4 and IPv6
// address groups), for an epoll loop. It says which links, not what changed: a reader that keeps a link's
// addresses dumps them again (Rtnl::addresses) when the link is named, at a time of its choosing, instead of
// at the moment it needs them, when a dump may wait on the rtnl lock behind a driver's removal.
#include <cstddef>
#include <cstdint>
#include <set>

#include "os/netns.h"
#include "os/nl_transact.h"

namespace nf::os {

struct AddressChanges {
    std::set<int> ifindexes;  // links whose addresses changed
    bool overrun = false;     // the kernel dropped events (ENOBUFS): any link's may have changed
};

class AddressMonitor {
public:
    // Subscribes in the calling thread's namespace to RTNLGRP_IPV4_IFADDR and RTNLGRP_IPV6_IFADDR (construct
    // inside a NetnsScope for another). Throws SystemError when the socket cannot be opened or subscribed.
    explicit AddressMonitor(int receive_buffer = 256 * 1024);
    static AddressMonitor in(const Netns& netns, int receive_buffer = 256 * 1024);

    // Non-blocking; readable (EPOLLIN) when events are queued.
    int fd() const;
    // What the queued events name, from at most `max_datagrams` datagrams (a level-triggered epoll fires
    // again for the rest). Never blocks. A message too short for its header is skipped and counted.
    static constexpr std::size_t kDrainDatagrams = 64;
    AddressChanges drain(std::size_t max_datagrams = kDrainDatagrams);

    std::uint64_t malformed() const { return malformed_; }

private:
    detail::NlSocketPtr sock_;
    std::uint64_t malformed_ = 0;
};

}  // namespace nf::os
