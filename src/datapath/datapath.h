#pragma once
// The datapath: what moves frames between the failover master and its two slaves.
// failoverd decides (src/failover), the datapath carries out: which slave TX goes to, whether a slave's
// RX reaches the master, the master's carrier. Implementations, one folder each (teamd-style plug-ins):
//   bpf/     tc programs, target ifindex in a BPF map; a switch is one map update
//   packet/  TAP master + AF_PACKET slaves with virtio-net headers (no CAP_BPF needed)
//   memory/  in-process frames, for unit tests (the simulator)
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/mac_address.h"

namespace nf::datapath {

// The two slave roles. Index into per-slot arrays with slot_index().
enum class Slot : std::uint8_t { primary = 0, standby = 1 };
constexpr std::size_t slot_index(Slot s) { return static_cast<std::size_t>(s); }
constexpr std::string_view slot_name(Slot s) { return s == Slot::primary ? "primary" : "standby"; }

// A slave netdev as the datapath needs to know it. The device lives in the namespace the datapath was
// told slaves live in (MasterSpec::slave_netns_fd).
struct SlaveEndpoint {
    std::string name;
    int ifindex = 0;
    MacAddress mac;
};

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

class Datapath {
public:
    virtual ~Datapath() = default;

    virtual std::string_view kind() const = 0;          // "bpf", "packet", "memory"
    virtual int master_ifindex() const = 0;             // in the master's namespace

    // A slave joins or leaves the datapath. attach() of an occupied slot replaces it (a VF that came back
    // with a new ifindex). detach() of an empty slot does nothing.
    virtual void attach(Slot slot, const SlaveEndpoint& slave) = 0;
    virtual void detach(Slot slot) = 0;

    // TX goes to this slot, or is dropped and counted (nullopt). Takes effect for the next frame.
    virtual void set_tx(std::optional<Slot> slot) = 0;
    // Whether frames received on this slot are delivered to the master.
    virtual void set_rx(Slot slot, bool deliver) = 0;
    // The master's carrier as the guest sees it (rules L1-L5).
    virtual void set_carrier(bool on) = 0;

    virtual DatapathCounters counters() const = 0;
    // Why the datapath stopped carrying frames on its own (a forwarding thread died), if it did.
    virtual std::optional<std::string> failure() const { return std::nullopt; }
};

}  // namespace nf::datapath
