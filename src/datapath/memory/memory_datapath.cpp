#include "datapath/memory/memory_datapath.h"

#include <utility>

namespace nf::datapath {

MemoryDatapath::MemoryDatapath(MasterSpec spec, int master_ifindex)
    : spec_(std::move(spec)), master_ifindex_(master_ifindex) {}

void MemoryDatapath::attach(Slot slot, const SlaveEndpoint& slave) { slaves_[slot_index(slot)] = slave; }

void MemoryDatapath::detach(Slot slot) { slaves_[slot_index(slot)].reset(); }

void MemoryDatapath::set_tx(std::optional<Slot> slot) { tx_ = slot; }

void MemoryDatapath::set_rx(Slot slot, bool deliver) { rx_[slot_index(slot)] = deliver; }

void MemoryDatapath::set_carrier(bool on) { carrier_ = on; }

std::optional<Slot> MemoryDatapath::transmit(const Frame& frame) {
    if (!carrier_ || !tx_ || !slaves_[slot_index(*tx_)]) {
        ++counters_.tx_dropped;
        return std::nullopt;
    }
    const std::size_t i = slot_index(*tx_);
    ++counters_.slot[i].tx_packets;
    counters_.slot[i].tx_bytes += frame.size();
    sent_[i].push_back(frame);
    return tx_;
}

bool MemoryDatapath::receive(Slot slot, const Frame& frame) {
    const std::size_t i = slot_index(slot);
    if (!slaves_[i] || !rx_[i]) {
        ++counters_.slot[i].rx_dropped;
        kept_[i].push_back(frame);
        return false;
    }
    ++counters_.slot[i].rx_packets;
    counters_.slot[i].rx_bytes += frame.size();
    delivered_.push_back(frame);
    return true;
}

}  // namespace nf::datapath
