#pragma once
// The all-u64 link counters of a netdev (rtnl_link_stats64) and the fold that keeps the master's
// counters monotonic across slave resets, 32-bit wrap and removal (rules S1-S5).
#include <array>
#include <cstdint>

namespace nf::failover {

struct Stats64 {
    std::uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
    std::uint64_t rx_errors = 0, tx_errors = 0, rx_dropped = 0, tx_dropped = 0;
    std::uint64_t multicast = 0, collisions = 0;
    std::uint64_t rx_length_errors = 0, rx_over_errors = 0, rx_crc_errors = 0, rx_frame_errors = 0;
    std::uint64_t rx_fifo_errors = 0, rx_missed_errors = 0;
    std::uint64_t tx_aborted_errors = 0, tx_carrier_errors = 0, tx_fifo_errors = 0;
    std::uint64_t tx_heartbeat_errors = 0, tx_window_errors = 0;
    std::uint64_t rx_compressed = 0, tx_compressed = 0, rx_nohandler = 0, rx_otherhost_dropped = 0;

    bool operator==(const Stats64&) const = default;
};

// Every field, so folds and sums walk the struct without naming each counter twice.
inline constexpr std::array<std::uint64_t Stats64::*, 25> kStats64Fields = {
    &Stats64::rx_packets,        &Stats64::tx_packets,          &Stats64::rx_bytes,
    &Stats64::tx_bytes,          &Stats64::rx_errors,           &Stats64::tx_errors,
    &Stats64::rx_dropped,        &Stats64::tx_dropped,          &Stats64::multicast,
    &Stats64::collisions,        &Stats64::rx_length_errors,    &Stats64::rx_over_errors,
    &Stats64::rx_crc_errors,     &Stats64::rx_frame_errors,     &Stats64::rx_fifo_errors,
    &Stats64::rx_missed_errors,  &Stats64::tx_aborted_errors,   &Stats64::tx_carrier_errors,
    &Stats64::tx_fifo_errors,    &Stats64::tx_heartbeat_errors, &Stats64::tx_window_errors,
    &Stats64::rx_compressed,     &Stats64::tx_compressed,       &Stats64::rx_nohandler,
    &Stats64::rx_otherhost_dropped,
};

// S2 for one counter: the increase from `old_value` to `new_value`, or 0 when the counter went back
// (a reset). When both fit in 32 bits the difference wraps at 2^32, for drivers with 32-bit counters.
std::uint64_t counter_increase(std::uint64_t old_value, std::uint64_t new_value);

// S2 for every field: acc += increase(snapshot -> now); snapshot := now (re-baselines after a reset).
void fold_stats(Stats64& acc, Stats64& snapshot, const Stats64& now);

// Field-wise sum (the master's own drop counters on top of the folded slaves, S1).
Stats64 operator+(const Stats64& a, const Stats64& b);

}  // namespace nf::failover
