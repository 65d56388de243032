#include "vmm/counters.h"

namespace nf::vmm {

nlohmann::json to_json(const PvCounters& c) {
    const auto get = [](const std::atomic<std::uint64_t>& v) { return v.load(std::memory_order_relaxed); };
    return {{"rx-frames", get(c.rx_frames)},
            {"rx-bytes", get(c.rx_bytes)},
            {"rx-dropped-paused", get(c.rx_dropped_paused)},
            {"rx-dropped-link-down", get(c.rx_dropped_link_down)},
            {"rx-dropped-guest-down", get(c.rx_dropped_guest_down)},
            {"rx-dropped-full", get(c.rx_dropped_full)},
            {"rx-dropped-truncated", get(c.rx_dropped_truncated)},
            {"rx-errors", get(c.rx_errors)},
            {"rx-injected", get(c.rx_injected)},
            {"rx-held", get(c.rx_held)},
            {"rx-dropped-held-full", get(c.rx_dropped_held_full)},
            {"tx-frames", get(c.tx_frames)},
            {"tx-bytes", get(c.tx_bytes)},
            {"tx-drained-at-pause", get(c.tx_drained_at_pause)},
            {"tx-drained-at-switch", get(c.tx_drained_at_switch)},
            {"rx-drained-for-netpass", get(c.rx_drained_for_netpass)},
            {"rx-drained-at-switch", get(c.rx_drained_at_switch)},
            {"tx-dropped-link-down", get(c.tx_dropped_link_down)},
            {"tx-dropped-full", get(c.tx_dropped_full)},
            {"tx-errors", get(c.tx_errors)},
            {"wakeups", get(c.wakeups)}};
}

}  // namespace nf::vmm
