#pragma once
// The transmit choice (T1-T5): which slave a packet leaves on, and on which queue.
#include <cstdint>
#include <optional>
#include <system_error>

#include "failover/config.h"
#include "failover/events.h"
#include "failover/netdev.h"

namespace nf::failover {

struct TxPacket {
    std::uint32_t length = 0;
    std::uint16_t queue_mapping = 0;                // as handed to the master; restored for the slave (T3)
    std::optional<std::uint16_t> recorded_rx_queue; // set when the packet carries an RX-queue record
    std::uint32_t flow_hash = 0;                    // what the primary's default queue pick hashes
};

struct TxDecision {
    std::optional<Role> slot;        // nullopt: dropped (T2.3, T5)
    std::uint16_t master_queue = 0;  // T4
    std::uint16_t queue_mapping = 0; // what the slave is handed (T3)
    std::error_code error;           // ENETDOWN when the master's queues were stopped (T5); else TX_OK
};

// T2 (with the forced choice of `failoverctl set active`): primary, else standby, else none.
std::optional<Role> choose_tx(const Netdev* primary, const Netdev* standby, ActiveChoice forced);

// T4: reduce a queue index into [0, num_queues).
std::uint16_t reduce_queue(std::uint32_t txq, unsigned num_queues);

// T4: the master's queue for a packet: the primary's pick while a primary exists (ready or not),
// else the recorded RX queue, else 0; reduced into the master's queue count.
std::uint16_t select_master_queue(const Netdev* primary, const TxPacket& packet, unsigned master_queues);

}  // namespace nf::failover
