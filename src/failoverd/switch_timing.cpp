#include "failoverd/switch_timing.h"

#include <algorithm>
#include <cmath>

namespace nf::failoverd {

void SwitchTiming::record(Duration latency) {
    last_ = latency;
    last_at_ = std::chrono::system_clock::now();
    ++count_;
    if (samples_.size() < max_samples_) {
        samples_.push_back(latency);
    } else {
        samples_[next_] = latency;
        next_ = (next_ + 1) % max_samples_;
    }
}

std::optional<SwitchTiming::Duration> SwitchTiming::percentile(double p) const {
    if (samples_.empty()) return std::nullopt;
    std::vector<Duration> sorted = samples_;
    std::sort(sorted.begin(), sorted.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
    return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

daemon::SwitchStatus SwitchTiming::report() const {
    auto us = [](const std::optional<Duration>& d) -> std::optional<double> {
        if (!d) return std::nullopt;
        return std::chrono::duration<double, std::micro>(*d).count();
    };
    daemon::SwitchStatus s;
    s.samples = count_;
    s.last_us = us(last_);
    s.p50_us = us(percentile(50));
    s.p99_us = us(percentile(99));
    if (last_at_) s.last_at_unix_us = std::chrono::duration_cast<std::chrono::microseconds>(last_at_->time_since_epoch()).count();
    return s;
}

}  // namespace nf::failoverd
