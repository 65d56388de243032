#pragma once
// How long a switch takes inside the daemon: from reading the kernel's link event to the datapath
// update that moved TX. Kept for the daemon's life (bounded), for `failoverctl status`.
#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

#include "failoverd_control/status_report.h"

namespace nf::failoverd {

class SwitchTiming {
public:
    using Duration = std::chrono::nanoseconds;
    explicit SwitchTiming(std::size_t max_samples = 100'000) : max_samples_(max_samples) {}

    // Called once the datapath has the new program: that moment is when the switch happened.
    void record(Duration latency);
    std::optional<Duration> last() const { return last_; }
    // Nearest-rank percentile over the samples kept; nullopt with none.
    std::optional<Duration> percentile(double p) const;
    std::size_t count() const { return count_; }

    // Its part of `failoverctl status` (unset members when there is no sample).
    daemon::SwitchStatus report() const;

private:
    std::size_t max_samples_;
    std::vector<Duration> samples_;  // a ring once full: recent history wins
    std::size_t next_ = 0;
    std::size_t count_ = 0;
    std::optional<Duration> last_;
    std::optional<std::chrono::system_clock::time_point> last_at_;
};

}  // namespace nf::failoverd
