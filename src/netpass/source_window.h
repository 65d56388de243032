#pragma once
// The source half's time rules: frames kept from arming until the VM runs on the destination are "kept";
// after that they are "forwarded" until the bridge has learnt the VM's new port, seen as no frame reaching
// the source tap for Bounds::quiet, and at the latest Bounds::forward after the destination ran.
#include <chrono>
#include <optional>

#include "netpass/bounds.h"

namespace nf::netpass {

class SourceWindow {
public:
    using Clock = std::chrono::steady_clock;
    enum class Kind { Kept, Forwarded };

    explicit SourceWindow(const Bounds& bounds) : bounds_(bounds) {}
    void arm(Clock::time_point now);
    void resumed(Clock::time_point now);
    Kind frame(Clock::time_point now);
    bool armed() const { return armed_at_.has_value(); }
    bool is_resumed() const { return resumed_at_.has_value(); }
    // Forwarding is over (quiet or the forward bound), or the VM never ran elsewhere within keep + forward.
    bool finished(Clock::time_point now) const;
    std::optional<Clock::time_point> deadline() const;

private:
    Bounds bounds_;
    std::optional<Clock::time_point> armed_at_;
    std::optional<Clock::time_point> resumed_at_;
    std::optional<Clock::time_point> last_frame_;
};

}  // namespace nf::netpass
