#pragma once
// Plain counters of one standby's PV path, owned by its forwarder and exported in one place (x-query-vmm).
// Written by the forwarder thread, read by the QMP thread: relaxed atomics, no other ordering needed.
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>

namespace nf::vmm {

struct PvCounters {
    // bridge -> guest ("rx" as the guest sees it)
    std::atomic<std::uint64_t> rx_frames{0};
    std::atomic<std::uint64_t> rx_bytes{0};
    std::atomic<std::uint64_t> rx_dropped_paused{0};     // arrived while the VM was stopped
    std::atomic<std::uint64_t> rx_dropped_link_down{0};  // set_link off
    std::atomic<std::uint64_t> rx_dropped_guest_down{0}; // the guest has not brought its NIC up (EIO)
    std::atomic<std::uint64_t> rx_dropped_full{0};       // the tap's queue was full (EAGAIN/ENOBUFS)
    std::atomic<std::uint64_t> rx_dropped_truncated{0};  // longer than a receive slot: dropped, never cut
    std::atomic<std::uint64_t> rx_errors{0};             // the tap refused the frame otherwise
    std::atomic<std::uint64_t> rx_injected{0};           // netpass: the source's frames, put in first
    std::atomic<std::uint64_t> rx_held{0};               // netpass: arrived here while injection was pending
    std::atomic<std::uint64_t> rx_dropped_held_full{0};  // ... beyond the hold's limit
    // guest -> bridge
    std::atomic<std::uint64_t> tx_frames{0};
    std::atomic<std::uint64_t> tx_bytes{0};
    std::atomic<std::uint64_t> rx_drained_for_netpass{0};  // queued on the backend when netpass sent its frames
    std::atomic<std::uint64_t> rx_drained_at_switch{0};    // queued on the backend when the VF took the MAC
    std::atomic<std::uint64_t> tx_drained_at_pause{0};
    std::atomic<std::uint64_t> tx_drained_at_switch{0};  // queued by the guest when its VF came up, sent   // queued by the guest before the pause, sent
    std::atomic<std::uint64_t> tx_dropped_link_down{0};
    std::atomic<std::uint64_t> tx_dropped_full{0};       // the backend socket's send buffer was full
    std::atomic<std::uint64_t> tx_errors{0};             // the backend port refused the frame otherwise
    std::atomic<std::uint64_t> wakeups{0};
};

inline void count(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
}

nlohmann::json to_json(const PvCounters& counters);

}  // namespace nf::vmm
