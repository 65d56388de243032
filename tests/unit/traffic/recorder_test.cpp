#include "lab/traffic/recorder.h"

#include <gtest/gtest.h>

namespace nf::lab {
namespace {

PacketHeader packet(std::uint64_t seq, std::uint32_t stream = 1, Direction d = Direction::ClientToVm) {
    return {stream, d, seq, static_cast<std::int64_t>(seq) * 1000, 0};
}

TEST(Recorder, KeepsFirstArrivalCountsDuplicatesAndMarksReordered) {
    Recorder recorder({.capacity_per_stream = 8});
    recorder.on_packet(packet(0), 10);
    recorder.on_packet(packet(2), 20);
    recorder.on_packet(packet(1), 30);  // after 2: reordered
    recorder.on_packet(packet(2), 40);  // a duplicate: neither reordered nor a new first arrival
    const auto entries = recorder.entries({1, Direction::ClientToVm});
    ASSERT_EQ(entries.size(), 8u);
    EXPECT_FALSE(entries[0].reordered);
    EXPECT_TRUE(entries[1].reordered);
    EXPECT_EQ(entries[2].copies, 2u);
    EXPECT_EQ(entries[2].first_rx_ns, 20);
    EXPECT_FALSE(entries[2].reordered);
    EXPECT_FALSE(entries[3].received());
}

TEST(Recorder, BoundsSequenceNumbersAndStreams) {
    Recorder recorder({.capacity_per_stream = 4, .max_streams = 1});
    recorder.on_packet(packet(3), 1);
    recorder.on_packet(packet(4), 1);
    recorder.on_packet(packet(1'000'000'000), 1);
    recorder.on_packet(packet(0, 2), 1);
    const RecorderCounters counters = recorder.counters();
    EXPECT_EQ(counters.accepted, 1u);
    EXPECT_EQ(counters.beyond_capacity, 2u);
    EXPECT_EQ(counters.beyond_streams, 1u);
    EXPECT_EQ(recorder.streams().size(), 1u);
}

TEST(Recorder, LabelsPathsPerReceiveAndByNote) {
    Recorder recorder({.capacity_per_stream = 4});
    const PathId vf = recorder.path_id("vf");
    const PathId pv = recorder.path_id("pv");
    EXPECT_EQ(recorder.path_id("vf"), vf);
    EXPECT_NE(vf, pv);
    EXPECT_EQ(recorder.path_labels(), (std::vector<std::string>{"", "vf", "pv"}));

    recorder.on_packet(packet(0), 1, vf);
    recorder.note_path(packet(1), pv);  // a tap saw it first, the UDP socket delivers it unlabelled
    recorder.on_packet(packet(1), 2);
    recorder.on_packet(packet(0), 3, pv);  // duplicate via the other path does not relabel
    const auto entries = recorder.entries({1, Direction::ClientToVm});
    EXPECT_EQ(entries[0].path, vf);
    EXPECT_EQ(entries[1].path, pv);
    EXPECT_EQ(entries[1].copies, 1u);
}

TEST(Recorder, StreamsAreKeyedByIdAndDirection) {
    Recorder recorder({.capacity_per_stream = 4});
    recorder.expect_stream({1, Direction::VmToClient});
    recorder.on_packet(packet(0, 1, Direction::ClientToVm), 1);
    EXPECT_EQ(recorder.streams().size(), 2u);
    EXPECT_FALSE(recorder.entries({1, Direction::VmToClient})[0].received());
    EXPECT_TRUE(recorder.entries({1, Direction::ClientToVm})[0].received());
    EXPECT_TRUE(recorder.entries({9, Direction::ClientToVm}).empty());
}

}  // namespace
}  // namespace nf::lab
