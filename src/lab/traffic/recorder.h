#pragma once
// The receiving side's record: for every stream, one entry per sequence number (first receive time,
// copies, reordered, which path carried it). Memory is bounded: each stream's table is allocated once
// with a fixed capacity; packets beyond it, streams beyond the limit and malformed datagrams are counted
// and otherwise ignored.
//
// Thread-safe for writers (a UDP receiver and, say, packet sockets on the VF and the PV port may feed one
// recorder); read the tables after the writers have stopped.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lab/traffic/wire.h"

namespace nf::lab {

// Index into Recorder::path_labels(); 0 = "no path label".
using PathId = std::uint8_t;
inline constexpr PathId kNoPath = 0;

struct StreamKey {
    std::uint32_t stream_id = 0;
    Direction direction = Direction::ClientToVm;
    auto operator<=>(const StreamKey&) const = default;
};

struct ReceiveEntry {
    std::int64_t first_rx_ns = -1;  // -1 = never received
    std::int64_t send_ns = 0;       // from the header of the first copy
    std::uint32_t copies = 0;       // > 1 = duplicated
    bool reordered = false;         // its first copy arrived after a higher sequence number had
    PathId path = kNoPath;          // path label of the first copy (or as noted by note_path)
    std::uint16_t sender_tag = 0;   // the sender's path tag from the header
    bool received() const { return copies > 0; }
};

struct RecorderCounters {
    std::uint64_t datagrams = 0;        // everything handed to on_datagram
    std::uint64_t accepted = 0;         // recorded in a stream table (duplicates included)
    std::uint64_t short_datagrams = 0;  // malformed, by reason:
    std::uint64_t bad_magic = 0;
    std::uint64_t bad_version = 0;
    std::uint64_t bad_direction = 0;
    std::uint64_t beyond_capacity = 0;  // well-formed but sequence >= the stream table's capacity
    std::uint64_t beyond_streams = 0;   // well-formed but a new stream when max_streams are known
};

class Recorder {
public:
    struct Config {
        std::size_t capacity_per_stream = 0;  // sequence numbers kept per stream; see log_capacity_for()
        std::size_t max_streams = 8;
    };

    explicit Recorder(Config config);

    // The id for a path label ("vf", "pv", ...), registering it on first use. At most 255 labels.
    PathId path_id(std::string_view label);
    // Labels by PathId; index 0 is the empty "no label".
    std::vector<std::string> path_labels() const;

    // Allocates a stream's table up front, so the first packet does not pay for it.
    void expect_stream(StreamKey key);

    // One datagram as it came off a socket, at rx_ns (CLOCK_MONOTONIC), with an optional path label.
    void on_datagram(std::span<const std::byte> datagram, std::int64_t rx_ns, PathId path = kNoPath);
    // Same, for a header already decoded (e.g. from a frame seen on a packet socket).
    void on_packet(const PacketHeader& header, std::int64_t rx_ns, PathId path = kNoPath);
    // Says which path carried a packet without counting a receive: for a tap that sees the packet on
    // its way (a packet socket on a slave) while the UDP socket records the delivery.
    void note_path(const PacketHeader& header, PathId path);

    std::vector<StreamKey> streams() const;
    // The table of one stream, indexed by sequence number (its size is the capacity); empty if unknown.
    std::span<const ReceiveEntry> entries(StreamKey key) const;
    RecorderCounters counters() const;

private:
    struct Stream {
        std::vector<ReceiveEntry> entries;
        std::uint64_t highest = 0;
        bool any = false;
    };
    Stream* find_or_add(StreamKey key);  // nullptr when max_streams are already known

    Config config_;
    mutable std::mutex mutex_;
    std::vector<std::string> labels_{""};
    std::map<StreamKey, Stream> streams_;
    RecorderCounters counters_;
};

}  // namespace nf::lab
