#include "vmm/netpass_frames.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace nf::vmm {
namespace {

std::vector<std::byte> frame(std::size_t size, std::uint8_t tag) { return std::vector<std::byte>(size, std::byte{tag}); }

TEST(KeepPausedFrames, DropsAndCountsWhileNotCapturing) {
    PvCounters pv;
    KeepPausedFrames sink(10, {}, pv);
    sink.take(frame(60, 1));
    EXPECT_EQ(pv.rx_dropped_paused.load(), 1u);
    EXPECT_TRUE(sink.drain().empty());
    EXPECT_EQ(sink.counters().kept, 0u);
}

TEST(KeepPausedFrames, KeepsInOrderWithTheVnetHeaderLength) {
    PvCounters pv;
    KeepPausedFrames sink(10, {}, pv);
    sink.set_capturing(true);
    for (std::uint8_t i = 0; i < 5; ++i) sink.take(frame(60 + i, i));
    const auto frames = sink.drain();
    ASSERT_EQ(frames.size(), 5u);
    for (std::uint8_t i = 0; i < 5; ++i) {
        EXPECT_EQ(frames[i].bytes.size(), 60u + i);
        EXPECT_EQ(frames[i].bytes[0], std::byte{i});
        EXPECT_EQ(frames[i].vnet_hdr_len, 10u);
    }
    const auto counters = sink.counters();
    EXPECT_EQ(counters.kept, 5u);
    EXPECT_EQ(counters.taken, 5u);
    EXPECT_EQ(counters.dropped, 0u);
    EXPECT_EQ(pv.rx_dropped_paused.load(), 0u);
    EXPECT_TRUE(sink.drain().empty());
}

TEST(KeepPausedFrames, BoundedByFramesAndBytes) {
    PvCounters pv;
    KeepPausedFrames by_frames(10, {3, 1u << 20}, pv);
    by_frames.set_capturing(true);
    for (int i = 0; i < 5; ++i) by_frames.take(frame(100, 0));
    EXPECT_EQ(by_frames.counters().kept, 3u);
    EXPECT_EQ(by_frames.counters().dropped, 2u);
    EXPECT_EQ(pv.rx_dropped_paused.load(), 2u);

    KeepPausedFrames by_bytes(10, {100, 250}, pv);
    by_bytes.set_capturing(true);
    for (int i = 0; i < 3; ++i) by_bytes.take(frame(100, 0));
    EXPECT_EQ(by_bytes.counters().kept, 2u);
    EXPECT_EQ(by_bytes.counters().dropped, 1u);
    // Draining makes room again.
    EXPECT_EQ(by_bytes.drain().size(), 2u);
    by_bytes.take(frame(100, 0));
    EXPECT_EQ(by_bytes.counters().kept, 3u);
}

TEST(KeepPausedFrames, ANewCaptureStartsClean) {
    PvCounters pv;
    KeepPausedFrames sink(10, {}, pv);
    sink.set_capturing(true);
    sink.take(frame(60, 1));
    sink.set_capturing(false);
    sink.take(frame(60, 2));  // after capture: a plain pause's drop
    EXPECT_EQ(pv.rx_dropped_paused.load(), 1u);
    sink.set_capturing(true);
    EXPECT_TRUE(sink.drain().empty());
    EXPECT_EQ(sink.counters().kept, 0u);
    EXPECT_EQ(sink.describe()["capturing"], true);
}

TEST(KeepPausedFrames, ConcurrentTakeAndDrainLoseNothing) {
    PvCounters pv;
    KeepPausedFrames sink(10, {1u << 20, 1u << 30}, pv);
    sink.set_capturing(true);
    constexpr int kFrames = 20000;
    std::thread producer([&] {
        for (int i = 0; i < kFrames; ++i) sink.take(frame(64, static_cast<std::uint8_t>(i)));
    });
    std::size_t drained = 0;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (drained < kFrames && std::chrono::steady_clock::now() < deadline) drained += sink.drain().size();
    producer.join();
    EXPECT_EQ(drained, static_cast<std::size_t>(kFrames));
    EXPECT_EQ(sink.counters().dropped, 0u);
}

}  // namespace
}  // namespace nf::vmm
