#pragma once
// Where a pair's guest-namespace link events come from when one rtnetlink monitor serves every pair
// (failoverd --all-matches, PairSupervisor): the supervisor decodes each event once and hands it to the
// pairs it concerns (Daemon::on_guest_links); a pair asks here for the full dump it starts and resyncs from.
// A failoverd alone has its own os::LinkMonitor instead.
#include <cstdint>
#include <vector>

#include "failoverd/link_router.h"
#include "os/link_info.h"

namespace nf::failoverd {

class GuestLinks {
public:
    virtual ~GuestLinks() = default;
    // The guest namespace's links now that concern a pair with these keys; events read after this call
    // are handed to the pair (an event between the dump and that moment is seen twice, never missed).
    virtual std::vector<os::LinkInfo> dump(const PairLinkKeys& keys) = 0;
    // Link messages the shared monitor could not decode, since it opened.
    virtual std::uint64_t undecodable() const = 0;
};

}  // namespace nf::failoverd
