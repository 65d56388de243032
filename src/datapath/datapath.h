#pragma once
// The datapath: what moves frames between the failover master and its two slaves.
// failoverd decides (src/failover), the datapath carries out: which slave TX goes to, whether a slave's
// RX reaches the master, the master's carrier. Slots, slave endpoints and the calls a program makes are the
// core's terms (failover/role.h, failover/datapath_ops.h); a Datapath implements them and adds what only
// a datapath has (its kind, the master netdev, counters, failure). Implementations, one folder each
// (teamd-style plug-ins):
//   bpf/     tc programs, target ifindex in a BPF map; a switch is one map update
//   packet/  TAP master + AF_PACKET slaves with virtio-net headers (no CAP_BPF needed)
//   memory/  in-process frames, for unit tests (the simulator)
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/mac_address.h"
#include "failover/datapath_ops.h"
#include "failover/role.h"

namespace nf::datapath {

// The core's names, used here by the datapath's own (a slot is the role of the slave in it).
using Slot = failover::Role;
using failover::slot_index;
using failover::slot_name;
using failover::SlaveEndpoint;

// What the master looks like and where things live.
struct MasterSpec {
    std::string name;            // the name apps and IP configuration use
    MacAddress mac;              // the standby's permanent MAC
    unsigned mtu = 1500;
    int master_netns_fd = -1;    // where the master appears (the guest's namespace); -1 = current
    int slave_netns_fd = -1;     // where the slaves are (same as master for 3dev, private for hidden)
};

struct SlotCounters {
    std::uint64_t tx_packets = 0, tx_bytes = 0;   // master -> this slave
    std::uint64_t rx_packets = 0, rx_bytes = 0;   // this slave -> master (delivered)
    std::uint64_t rx_dropped = 0;                 // arrived on this slave, not delivered (RX policy)
};

struct DatapathCounters {
    std::array<SlotCounters, 2> slot{};
    std::uint64_t tx_dropped = 0;                 // master TX with no slave to send to (rule T2.3)
    std::uint64_t tx_dropped_full = 0;            // master TX a slave's full send queue refused
    std::uint64_t rx_dropped_full = 0;            // slave RX the master's full queue refused
};

// attach/detach/set_tx/set_rx/set_carrier: failover::DatapathOps.
class Datapath : public failover::DatapathOps {
public:
    virtual std::string_view kind() const = 0;          // "bpf", "packet", "memory"
    virtual int master_ifindex() const = 0;             // in the master's namespace

    virtual DatapathCounters counters() const = 0;
    // Why the datapath stopped carrying frames on its own (a forwarding thread died), if it did.
    virtual std::optional<std::string> failure() const { return std::nullopt; }
    // At an orderly stop: remove what outlives the object (bpf: filters, the qdiscs it created, pins; a
    // datapath that keeps forwarding after its process dies has them); inert after. Nothing by default.
    virtual void teardown() {}
};

}  // namespace nf::datapath
