#pragma once
// Runs a scope inside another network namespace, on this thread only (setns(CLONE_NEWNET) is per
// thread), and comes back on destruction. Netlink sockets, TAP devices and packet sockets opened inside
// the scope stay bound to that namespace after it ends.
#include "common/unique_fd.h"

namespace nf::datapath {

class ScopedNetns {
public:
    // netns_fd < 0: stay where we are (the "current namespace" convention of MasterSpec).
    explicit ScopedNetns(int netns_fd);
    ~ScopedNetns();
    ScopedNetns(const ScopedNetns&) = delete;
    ScopedNetns& operator=(const ScopedNetns&) = delete;

private:
    UniqueFd home_;
};

}  // namespace nf::datapath
