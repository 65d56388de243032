#include "failover/tx.h"

namespace nf::failover {

std::optional<Role> choose_tx(const Netdev* primary, const Netdev* standby, ActiveChoice forced) {
    if (forced == ActiveChoice::standby && standby && xmit_ready(*standby)) return Role::standby;
    if (primary && xmit_ready(*primary)) return Role::primary;
    if (standby && xmit_ready(*standby)) return Role::standby;
    return std::nullopt;
}

std::uint16_t reduce_queue(std::uint32_t txq, unsigned num_queues) {
    if (num_queues == 0) return 0;
    return static_cast<std::uint16_t>(txq % num_queues);
}

std::uint16_t select_master_queue(const Netdev* primary, const TxPacket& packet, unsigned master_queues) {
    std::uint32_t txq = 0;
    if (primary) {
        txq = primary->num_tx_queues ? packet.flow_hash % primary->num_tx_queues : 0;
    } else if (packet.recorded_rx_queue) {
        txq = *packet.recorded_rx_queue;
    }
    return reduce_queue(txq, master_queues);
}

}  // namespace nf::failover
