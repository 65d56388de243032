#pragma once
// The destination half's ordering rule (the same as our VMM's netpass, qemu-failover.md §5.7): frames the
// source kept are injected before any frame that reached the destination's tap on its own.
//
//   waiting    attached, passing; frames from the source are buffered
//   holding    armed (the source stopped): new frames on our tap are held in the BPF ring
//   injecting  the VM runs here: the buffer is injected, then every frame the source forwards as it comes;
//              our own frames stay held (the bridge may still send to the source: those are older)
//   released   the source ended (or a bound ran out): our held frames are released in order, then pass
//   aborted    the migration was rolled back: the buffer is dropped, held frames released
// Bounded: the buffer by frames/bytes, holding by Bounds::hold from arming.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>

#include "netpass/bounds.h"
#include "netpass/frame_queue.h"

namespace nf::netpass {

class DestinationSink {
public:
    virtual ~DestinationSink() = default;
    virtual void hold() = 0;                                  // tap program: keep new frames in the ring
    virtual void inject(std::span<const std::uint8_t> frame) = 0;  // toward the guest, ahead of held frames
    virtual void release_held() = 0;                          // inject the ring's frames in order, then pass
};

enum class DestinationPhase { Waiting, Holding, Injecting, Released, Aborted };
const char* to_string(DestinationPhase phase);

class DestinationOrder {
public:
    using Clock = std::chrono::steady_clock;
    DestinationOrder(const Bounds& bounds, DestinationSink& sink);

    void arm(Clock::time_point now);
    void resumed();
    void peer_frame(std::span<const std::uint8_t> frame);
    void peer_end();
    void abort(const std::string& why);
    // Applies the hold bound.
    void tick(Clock::time_point now);

    DestinationPhase phase() const { return phase_; }
    bool done() const { return phase_ == DestinationPhase::Released || phase_ == DestinationPhase::Aborted; }
    // When tick() must run next (the hold deadline), if any.
    std::optional<Clock::time_point> deadline() const;

    std::uint64_t received() const { return received_; }
    std::uint64_t injected() const { return injected_; }
    std::uint64_t dropped() const { return buffer_.dropped() + dropped_; }
    const std::string& note() const { return note_; }
    nlohmann::json counters() const;

private:
    void inject(std::span<const std::uint8_t> frame);
    void release(const std::string& why);

    Bounds bounds_;
    DestinationSink& sink_;
    DestinationPhase phase_ = DestinationPhase::Waiting;
    FrameQueue buffer_;
    bool peer_ended_ = false;
    std::optional<Clock::time_point> armed_at_;
    std::uint64_t received_ = 0;
    std::uint64_t injected_ = 0;
    std::uint64_t dropped_ = 0;
    std::string note_;
};

}  // namespace nf::netpass
