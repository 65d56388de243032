#include "lab/traffic/send_log.h"

#include <algorithm>
#include <cmath>

namespace nf::lab {

std::size_t log_capacity_for(double rate, double duration_s) {
    if (duration_s <= 0 || rate <= 0) return kMaxLogEntries;
    // One extra second of slack: the stream may run a little past its nominal end while stopping.
    const double wanted = std::ceil(rate * (duration_s + 1.0));
    return wanted >= static_cast<double>(kMaxLogEntries) ? kMaxLogEntries : static_cast<std::size_t>(wanted);
}

SendLog::SendLog(std::size_t capacity) : capacity_(std::min(capacity, kMaxLogEntries)) {
    entries_.reserve(capacity_);
}

bool SendLog::append(SendEntry entry) {
    if (full()) return false;
    entries_.push_back(entry);
    return true;
}

}  // namespace nf::lab
