#pragma once
// UeventMonitor: the kernel's uevents (NETLINK_KOBJECT_UEVENT, multicast group 1), for an epoll loop.
//
// Only the kernel's own messages are taken: the sender's port id must be 0 (a process cannot send with
// port id 0; udevd's rebroadcasts go to group 2, and anything in udev's format is refused by the parser
// anyway). The receive buffer is bounded; the kernel dropping messages for it (ENOBUFS) is counted, as is
// every message refused.
//
// Where uevents reach: a netdev's go to its own network namespace only, every other device's (PCI, ptp, ...)
// to every uevent socket of a namespace owned by the initial user namespace. In a namespace of another
// user namespace (a container), nothing but its netdevs' arrive: the monitor then simply hears nothing.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "common/unique_fd.h"
#include "os/uevent_message.h"

namespace nf::os {

struct UeventCounters {
    std::uint64_t received = 0;     // datagrams read
    std::uint64_t not_kernel = 0;   // sender's port id not 0: ignored
    std::uint64_t malformed = 0;    // refused by parse_uevent (udev's format, truncated, ...)
    std::uint64_t overruns = 0;     // ENOBUFS: the kernel dropped messages for our full buffer
    std::uint64_t errors = 0;       // any other receive error
};

class UeventMonitor {
public:
    // Throws SystemError when the socket cannot be opened or bound (no CONFIG_NET, a seccomp filter).
    explicit UeventMonitor(int receive_buffer = 256 * 1024);

    // Non-blocking; readable (EPOLLIN) when messages are queued.
    int fd() const { return fd_.get(); }
    // The kernel's messages queued now, oldest first, from at most `max_datagrams` datagrams (level-triggered
    // epoll fires again for the rest). Never blocks, never throws: refused and foreign datagrams and receive
    // errors are counted and skipped.
    static constexpr std::size_t kDrainDatagrams = 64;
    std::vector<UeventMessage> drain(std::size_t max_datagrams = kDrainDatagrams);
    const UeventCounters& counters() const { return counters_; }

private:
    UniqueFd fd_;
    UeventCounters counters_;
};

}  // namespace nf::os
