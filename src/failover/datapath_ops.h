#pragma once
// What the core's program asks of a datapath (src/datapath implements it, as the OS edge implements
// SlaveOps): attach and detach slaves, point TX at a role, let a role's RX reach the master, the carrier.
// The DatapathApplier (program.h) turns a program into these calls.
#include <optional>
#include <string>

#include "common/mac_address.h"
#include "failover/role.h"

namespace nf::failover {

// A slave netdev as the datapath needs to know it. The device lives in the namespace the datapath was
// told slaves live in (datapath::MasterSpec::slave_netns_fd).
struct SlaveEndpoint {
    std::string name;
    int ifindex = 0;
    MacAddress mac;
};

class DatapathOps {
public:
    virtual ~DatapathOps() = default;

    // A slave joins or leaves the datapath. attach() of an occupied slot replaces it (a VF that came back
    // with a new ifindex). detach() of an empty slot does nothing.
    virtual void attach(Role slot, const SlaveEndpoint& slave) = 0;
    virtual void detach(Role slot) = 0;

    // TX goes to this slot, or is dropped and counted (nullopt). Takes effect for the next frame.
    virtual void set_tx(std::optional<Role> slot) = 0;
    // Whether frames received on this slot are delivered to the master.
    virtual void set_rx(Role slot, bool deliver) = 0;
    // The master's carrier as the guest sees it (rules L1-L5).
    virtual void set_carrier(bool on) = 0;
};

}  // namespace nf::failover
