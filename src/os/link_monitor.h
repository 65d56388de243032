#pragma once
// LinkMonitor: rtnetlink link events of one network namespace, for an epoll loop.
//
// A plain decoder: every whole-link (AF_UNSPEC) RTM_NEWLINK / RTM_DELLINK is reported as it came, including
// the early ones that only clear IFF_UP / IFF_RUNNING / carrier (the first signal of a hot-unplug, ~0.1 ms
// before DELLINK). The per-family ones (AF_BRIDGE port state, AF_INET6 addrconf) are not link events and
// are dropped.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "os/link_info.h"
#include "os/nl_transact.h"
#include "os/rtnl.h"

namespace nf::os {

struct LinkEvent {
    enum class Kind {
        New,      // RTM_NEWLINK: appeared or changed
        Del,      // RTM_DELLINK: deleted or moved out (then link.new_netnsid is set)
        Overrun,  // the kernel dropped events (ENOBUFS): state is unknown until resync(); link is empty
    };
    Kind kind = Kind::New;
    LinkInfo link;
    // CLOCK_MONOTONIC (steady_clock on Linux) when the message was read from the socket.
    std::chrono::steady_clock::time_point received;
};

class LinkMonitor {
public:
    // Subscribes to RTNLGRP_LINK in the calling thread's namespace (construct inside a NetnsScope for
    // another). receive_buffer: socket buffer in bytes; a burst larger than that is an Overrun.
    explicit LinkMonitor(int receive_buffer = 1 << 20);
    static LinkMonitor in(const Netns& netns, int receive_buffer = 1 << 20);

    // Non-blocking; becomes readable (EPOLLIN) when events are queued.
    int fd() const;
    // The events queued now, oldest first, from at most `max_datagrams` datagrams (a level-triggered
    // epoll fires again for the rest, so a storm cannot starve the loop). Never blocks. A message that
    // fails to decode is skipped and counted; the rest of its batch is still reported.
    static constexpr std::size_t kDrainDatagrams = 256;
    std::vector<LinkEvent> drain(std::size_t max_datagrams = kDrainDatagrams);
    // Waits up to `timeout` for the fd to become readable; true if it did.
    bool wait(std::chrono::milliseconds timeout) const;

    // Link messages skipped because they did not decode, since construction.
    std::uint64_t undecodable() const { return undecodable_; }
    // True after an Overrun until resync().
    bool resync_needed() const { return resync_needed_; }
    // A full dump of the namespace's links, to replace whatever state the caller built from events.
    // Events queued after the dump (drain() them next) are newer than it.
    std::vector<LinkInfo> resync();

private:
    detail::NlSocketPtr sock_;
    Rtnl dumper_;  // same namespace as sock_
    bool resync_needed_ = false;
    std::uint64_t undecodable_ = 0;
};

}  // namespace nf::os
