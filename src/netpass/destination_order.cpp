#include "netpass/destination_order.h"

namespace nf::netpass {

const char* to_string(DestinationPhase phase) {
    switch (phase) {
        case DestinationPhase::Waiting: return "waiting";
        case DestinationPhase::Holding: return "holding";
        case DestinationPhase::Injecting: return "injecting";
        case DestinationPhase::Released: return "released";
        case DestinationPhase::Aborted: return "aborted";
    }
    return "?";
}

DestinationOrder::DestinationOrder(const Bounds& bounds, DestinationSink& sink)
    : bounds_(bounds), sink_(sink), buffer_(bounds.max_frames, bounds.max_bytes) {}

void DestinationOrder::arm(Clock::time_point now) {
    if (phase_ != DestinationPhase::Waiting) return;
    armed_at_ = now;
    phase_ = DestinationPhase::Holding;
    sink_.hold();
}

void DestinationOrder::inject(std::span<const std::uint8_t> frame) {
    sink_.inject(frame);
    ++injected_;
}

void DestinationOrder::resumed() {
    if (phase_ == DestinationPhase::Waiting) {
        // Never armed (the source's STOP went unseen): there is nothing of ours to hold back.
        phase_ = DestinationPhase::Holding;
    }
    if (phase_ != DestinationPhase::Holding) return;
    phase_ = DestinationPhase::Injecting;
    while (!buffer_.empty()) inject(buffer_.pop());
    if (peer_ended_) release("the source ended before the VM ran here");
}

void DestinationOrder::peer_frame(std::span<const std::uint8_t> frame) {
    ++received_;
    switch (phase_) {
        case DestinationPhase::Waiting:
        case DestinationPhase::Holding: buffer_.push(frame); return;
        case DestinationPhase::Injecting:
            if (injected_ >= bounds_.max_frames) {
                ++dropped_;
                return;
            }
            inject(frame);
            return;
        case DestinationPhase::Released:
        case DestinationPhase::Aborted:
            // After our own frames were released this one would overtake nothing in order: drop it.
            ++dropped_;
            return;
    }
}

void DestinationOrder::peer_end() {
    peer_ended_ = true;
    if (phase_ == DestinationPhase::Injecting) release("the source ended forwarding");
}

void DestinationOrder::release(const std::string& why) {
    note_ = why;
    phase_ = DestinationPhase::Released;
    sink_.release_held();
}

void DestinationOrder::abort(const std::string& why) {
    if (done()) return;
    dropped_ += buffer_.size();
    buffer_.clear();
    const bool held = phase_ != DestinationPhase::Waiting;
    phase_ = DestinationPhase::Aborted;
    note_ = why;
    if (held) sink_.release_held();
}

std::optional<DestinationOrder::Clock::time_point> DestinationOrder::deadline() const {
    if (!armed_at_ || done()) return std::nullopt;
    return *armed_at_ + bounds_.hold;
}

void DestinationOrder::tick(Clock::time_point now) {
    const auto d = deadline();
    if (!d || now < *d) return;
    if (phase_ == DestinationPhase::Holding) {
        // The VM never ran here within the bound: what the source sent is stale.
        dropped_ += buffer_.size();
        buffer_.clear();
    }
    release("hold bound of " + std::to_string(bounds_.hold.count()) + " ms reached");
}

nlohmann::json DestinationOrder::counters() const {
    return {{"received", received_}, {"injected", injected_}, {"dropped", dropped()}, {"phase", to_string(phase_)}};
}

}  // namespace nf::netpass
