#pragma once
// What the sender did for each sequence number: when it tried, and whether the kernel took the datagram.
// Bounded: the capacity is fixed at construction (rate x duration, capped) and the sender stops when it
// is full, so every packet on the wire has a log entry.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace nf::lab {

struct SendEntry {
    std::int64_t time_ns = 0;  // CLOCK_MONOTONIC when the send was attempted
    int error = 0;             // 0 = handed to the kernel; else the errno (ENETUNREACH, ...): "not sent"
    bool sent() const { return error == 0; }
};

// 4M entries (64 MiB) = 70 minutes at 1 kHz: far beyond any lab scenario, small enough to always fit.
inline constexpr std::size_t kMaxLogEntries = 4'000'000;

// Entries needed for `rate` packets/s over `duration_s` seconds (0 = until stopped: the hard cap).
std::size_t log_capacity_for(double rate, double duration_s);

class SendLog {
public:
    explicit SendLog(std::size_t capacity);

    // Appends the entry for the next sequence number; false (and nothing kept) when full.
    bool append(SendEntry entry);
    bool full() const { return entries_.size() == capacity_; }
    std::size_t capacity() const { return capacity_; }
    std::span<const SendEntry> entries() const { return entries_; }

private:
    std::size_t capacity_;
    std::vector<SendEntry> entries_;
};

}  // namespace nf::lab
