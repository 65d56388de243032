#pragma once
// The source's netpass cache: frames that reach the PV backend after the source guest paused, kept (bounded
// by frames and bytes; past a bound a frame is dropped and counted) until they are sent to the destination
// after VM_STARTED, or handed back to the source guest when the migration fails before the destination
// started. Thread-safe: the VMM's forwarder thread keeps frames while the loop thread takes them.
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "migration/netpass_records.h"
#include "migration/stream_format.h"

namespace nf::migration {

struct NetpassCounters {
    std::uint64_t kept = 0;      // source: frames cached
    std::uint64_t dropped = 0;   // source: over a bound (or malformed); destination: hold queue overflow
    std::uint64_t sent = 0;      // source: frames serialized to the destination
    std::uint64_t returned = 0;  // source: frames handed back to the source guest after a failure
    std::uint64_t injected = 0;  // destination: cached frames delivered to the guest
    std::uint64_t held = 0;      // destination: own frames held until the cached ones were injected
    bool operator==(const NetpassCounters&) const = default;
};

struct NetpassLimits {
    std::size_t max_frames = 4096;
    std::size_t max_bytes = 8u << 20;
};

class NetpassCache {
public:
    explicit NetpassCache(NetpassLimits limits = {}) : limits_(limits) {}

    void start();  // begin keeping (source guest just paused); clears what an earlier run left
    void stop();   // stop keeping; what is cached stays
    bool capturing() const;
    // A frame (vnet header + Ethernet frame) reached the paused backend. false: not kept (not capturing,
    // over a bound, or malformed), and counted as dropped when capturing.
    bool keep(ByteView frame, std::uint32_t vnet_header_length);

    // Stops capture; the stream tail for the destination: the cached frames as netpass sections (each at most
    // max_section_bytes of payload, split at record boundaries) followed by an EOF section. Counts sent.
    Bytes take_tail(std::size_t max_section_bytes);
    std::vector<NetpassFrame> take_frames();  // stops capture; frames back to the source guest; counts returned
    std::size_t frames() const;
    std::size_t bytes() const;
    NetpassCounters counters() const;

private:
    NetpassLimits limits_;
    mutable std::mutex mutex_;
    bool capturing_ = false;
    std::vector<NetpassFrame> frames_;
    std::size_t bytes_ = 0;
    NetpassCounters counters_;
};

}  // namespace nf::migration
