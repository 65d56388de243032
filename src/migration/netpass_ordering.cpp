#include "migration/netpass_ordering.h"

#include <iterator>

namespace nf::migration {

void NetpassOrdering::hold() { holding_ = true; }

std::vector<NetpassFrame> NetpassOrdering::arrived(NetpassFrame frame) {
    std::vector<NetpassFrame> now;
    if (!holding_) {
        now.push_back(std::move(frame));
        return now;
    }
    if (held_.size() >= limits_.max_frames || held_bytes_ + frame.bytes.size() > limits_.max_bytes) {
        ++counters_.dropped;
        return now;
    }
    held_bytes_ += frame.bytes.size();
    held_.push_back(std::move(frame));
    ++counters_.held;
    return now;
}

std::vector<NetpassFrame> NetpassOrdering::inject(std::vector<NetpassFrame> cached) {
    counters_.injected += cached.size();
    // The source's frames first (they are older), then what the destination held, in arrival order.
    std::move(held_.begin(), held_.end(), std::back_inserter(cached));
    held_.clear();
    held_bytes_ = 0;
    holding_ = false;
    return cached;
}

std::vector<NetpassFrame> NetpassOrdering::release() { return inject({}); }

}  // namespace nf::migration
