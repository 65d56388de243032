#pragma once
// The generic failover layer (failover.c): the global list of masters in creation order (O1), dispatch of
// netdev events (L1), pairing lookup (P1-P3, P7) and the existing-slave scan at creation (P6).
// Not thread-safe: the caller serialises every call, as RTNL does for the kernel (M-lock). SlaveOps may
// re-enter handle() synchronously with the events their operations cause, as kernel notifiers do.
#include <memory>
#include <string_view>
#include <vector>

#include "failover/events.h"
#include "failover/master.h"
#include "failover/slave_ops.h"

namespace nf::failover {

class FailoverRegistry {
public:
    FailoverRegistry(SlaveOps& ops, EventSink& sink) : ops_(ops), sink_(sink) {}
    FailoverRegistry(const FailoverRegistry&) = delete;
    FailoverRegistry& operator=(const FailoverRegistry&) = delete;

    // C1-C5 then P6 over `existing` (every registered netdev, in registration order; only the master's
    // netns is scanned). Throws ConfigError when the name is taken or the standby has nothing to pair by.
    FailoverMaster& create_master(MasterSpec spec, const std::vector<Netdev>& existing = {});
    // C6: stop TX, release the primary then the standby, forget the master. Unknown names do nothing.
    void destroy_master(std::string_view name);

    // L1: REGISTER, UNREGISTER, UP/DOWN/CHANGE, CHANGENAME.
    void handle(const NetdevEvent& event);

    FailoverMaster* find(std::string_view name);
    // The master holding this device as a (flagged) slave.
    FailoverMaster* master_of(NetdevKey slave);
    const std::vector<std::unique_ptr<FailoverMaster>>& masters() const { return masters_; }

private:
    void register_candidate(const Netdev& dev);  // R1 with P3: the first matching master wins
    bool is_master(const Netdev& dev) const;

    SlaveOps& ops_;
    EventSink& sink_;
    std::vector<std::unique_ptr<FailoverMaster>> masters_;
};

}  // namespace nf::failover
