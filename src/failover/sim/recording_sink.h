#pragma once
// An EventSink that keeps every event, for tests.
#include <algorithm>
#include <vector>

#include "failover/events.h"

namespace nf::failover::sim {

class RecordingSink final : public EventSink {
public:
    void publish(const FailoverEvent& event) override { events.push_back(event); }

    std::size_t count(FailoverEventKind kind) const {
        return static_cast<std::size_t>(
            std::count_if(events.begin(), events.end(), [&](const auto& e) { return e.kind == kind; }));
    }
    const FailoverEvent* last(FailoverEventKind kind) const {
        for (auto it = events.rbegin(); it != events.rend(); ++it)
            if (it->kind == kind) return &*it;
        return nullptr;
    }
    void clear() { events.clear(); }

    std::vector<FailoverEvent> events;
};

}  // namespace nf::failover::sim
