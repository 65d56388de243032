#pragma once
// The in-memory datapath: frames are byte vectors, nothing leaves the process. It follows set_tx/set_rx/
// set_carrier exactly like a real datapath and records what each side received, so unit tests can run
// the failover core end to end (the Katran-simulator role). Single-threaded by design.
#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "datapath/datapath.h"

namespace nf::datapath {

using Frame = std::vector<std::uint8_t>;

class MemoryDatapath final : public Datapath {
public:
    explicit MemoryDatapath(MasterSpec spec, int master_ifindex = 1);

    std::string_view kind() const override { return "memory"; }
    int master_ifindex() const override { return master_ifindex_; }
    void attach(Slot slot, const SlaveEndpoint& slave) override;
    void detach(Slot slot) override;
    void set_tx(std::optional<Slot> slot) override;
    void set_rx(Slot slot, bool deliver) override;
    void set_carrier(bool on) override;
    DatapathCounters counters() const override { return counters_; }

    // The guest sends a frame on the master. Returns the slot it left on, or nullopt when dropped (no TX
    // slot, the slot is empty, or the master has no carrier).
    std::optional<Slot> transmit(const Frame& frame);
    // A frame arrives on a slave. Returns true when it reached the master; otherwise only listeners bound to
    // that slave see it (kept_on_slave) and rx_dropped counts it.
    bool receive(Slot slot, const Frame& frame);

    // What each side received.
    const std::vector<Frame>& sent_on(Slot slot) const { return sent_[slot_index(slot)]; }
    const std::vector<Frame>& delivered_to_master() const { return delivered_; }
    const std::vector<Frame>& kept_on_slave(Slot slot) const { return kept_[slot_index(slot)]; }

    // The settings as last applied.
    const MasterSpec& spec() const { return spec_; }
    std::optional<Slot> tx() const { return tx_; }
    bool rx(Slot slot) const { return rx_[slot_index(slot)]; }
    bool carrier() const { return carrier_; }
    const std::optional<SlaveEndpoint>& attached(Slot slot) const { return slaves_[slot_index(slot)]; }

private:
    MasterSpec spec_;
    int master_ifindex_;
    std::array<std::optional<SlaveEndpoint>, 2> slaves_{};
    std::optional<Slot> tx_;
    std::array<bool, 2> rx_{false, false};
    bool carrier_ = false;
    DatapathCounters counters_{};
    std::array<std::vector<Frame>, 2> sent_{};
    std::vector<Frame> delivered_;
    std::array<std::vector<Frame>, 2> kept_{};
};

}  // namespace nf::datapath
