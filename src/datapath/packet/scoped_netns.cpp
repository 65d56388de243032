#include "datapath/packet/scoped_netns.h"

#include <fcntl.h>
#include <sched.h>

#include <cstdlib>

#include <spdlog/spdlog.h>

#include "common/error.h"

namespace nf::datapath {

ScopedNetns::ScopedNetns(int netns_fd) {
    if (netns_fd < 0) return;
    home_ = UniqueFd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (!home_) throw_errno("open /proc/thread-self/ns/net");
    if (::setns(netns_fd, CLONE_NEWNET) < 0) throw_errno("setns to the target network namespace");
}

ScopedNetns::~ScopedNetns() {
    if (!home_) return;
    if (::setns(home_.get(), CLONE_NEWNET) < 0) {
        // A thread stuck in the wrong namespace would silently misroute every later call.
        spdlog::critical("cannot return to the home network namespace: errno {}", errno);
        std::abort();
    }
}

}  // namespace nf::datapath
