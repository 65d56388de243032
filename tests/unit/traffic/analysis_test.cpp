#include "lab/traffic/analysis.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <numeric>

#include "synthetic.h"

namespace nf::lab {
namespace {

using test::kMs;
using test::kStart;

const DirectionStats& c2v(const PhaseStats& phase) { return phase.directions[0]; }
const DirectionStats& v2c(const PhaseStats& phase) { return phase.directions[1]; }

TEST(Analysis, CleanStreamHasNoLossAndOnePhase) {
    TrafficRun run{{test::delivered_stream(Direction::ClientToVm, 100)}, {""}, {}};
    const Analysis analysis = analyze(run);
    ASSERT_EQ(analysis.phases.size(), 1u);
    EXPECT_EQ(analysis.phases[0].label, "all");
    EXPECT_EQ(analysis.origin_ns, kStart);
    const DirectionStats& stats = c2v(analysis.total);
    EXPECT_EQ(stats.sent, 100u);
    EXPECT_EQ(stats.delivered, 100u);
    EXPECT_EQ(stats.lost + stats.not_sent + stats.duplicated + stats.reordered, 0u);
    EXPECT_FALSE(stats.longest_gap);
    ASSERT_TRUE(stats.latency);
    EXPECT_EQ(stats.latency->max_ns, 100'000);
    EXPECT_EQ(v2c(analysis.total).sent, 0u);
}

TEST(Analysis, LossRunIsTheLongestGapWithSendTimeBounds) {
    auto stream = test::delivered_stream(Direction::ClientToVm, 1000);
    test::lose(stream, 10, 12);    // a short run
    test::lose(stream, 400, 700);  // the outage: 300 packets, 300 ms
    const Analysis analysis = analyze({{stream}, {""}, {}});
    const DirectionStats& stats = c2v(analysis.total);
    EXPECT_EQ(stats.lost, 302u);
    EXPECT_EQ(stats.delivered, 698u);
    ASSERT_TRUE(stats.longest_gap);
    EXPECT_EQ(stats.longest_gap->first_sequence, 400u);
    EXPECT_EQ(stats.longest_gap->packets, 300u);
    EXPECT_EQ(stats.longest_gap->start_ns, kStart + 400 * kMs);
    EXPECT_EQ(stats.longest_gap->end_ns, kStart + 700 * kMs);  // the next delivered packet
    EXPECT_EQ(stats.longest_gap->duration_ns(), 300 * kMs);
}

TEST(Analysis, GapAtTheEndOfTheStreamEndsWithIt) {
    auto stream = test::delivered_stream(Direction::ClientToVm, 100);
    test::lose(stream, 90, 100);
    const auto gap = c2v(analyze({{stream}, {""}, {}}).total).longest_gap;
    ASSERT_TRUE(gap);
    EXPECT_EQ(gap->packets, 10u);
    EXPECT_EQ(gap->end_ns, kStart + 99 * kMs);
}

TEST(Analysis, RefusedSendsAreNotSentNotLostButPartOfTheGap) {
    auto stream = test::delivered_stream(Direction::VmToClient, 100);
    test::refuse(stream, 20, 30, ENETUNREACH);
    test::lose(stream, 30, 35);
    const Analysis analysis = analyze({{stream}, {""}, {}});
    const DirectionStats& stats = v2c(analysis.total);
    EXPECT_EQ(stats.not_sent, 10u);
    EXPECT_EQ(stats.lost, 5u);
    EXPECT_EQ(stats.sent, stats.delivered + stats.lost + stats.not_sent);
    ASSERT_TRUE(stats.longest_gap);
    EXPECT_EQ(stats.longest_gap->packets, 15u);
}

TEST(Analysis, CountsDuplicatesAndReordered) {
    auto stream = test::delivered_stream(Direction::ClientToVm, 10);
    stream.receives[3].copies = 3;
    stream.receives[4].copies = 2;
    stream.receives[7].reordered = true;
    const Analysis analysis = analyze({{stream}, {""}, {}});
    const DirectionStats& stats = c2v(analysis.total);
    EXPECT_EQ(stats.duplicated, 2u);
    EXPECT_EQ(stats.reordered, 1u);
    EXPECT_EQ(stats.delivered, 10u);
}

TEST(Analysis, PhasesSplitBySendTimeAndEventsDoNot) {
    auto stream = test::delivered_stream(Direction::ClientToVm, 300);
    test::lose(stream, 150, 160);
    const std::vector<Mark> marks{
        {kStart + 100 * kMs, "unplug", MarkKind::Phase},
        {kStart + 150 * kMs, "UNPLUG_PRIMARY", MarkKind::Event},
        {kStart + 200 * kMs, "replug", MarkKind::Phase},
    };
    const Analysis analysis = analyze({{stream}, {""}, marks});
    ASSERT_EQ(analysis.phases.size(), 3u);
    EXPECT_EQ(analysis.phases[0].label, "start");
    EXPECT_EQ(analysis.phases[1].label, "unplug");
    EXPECT_EQ(analysis.phases[2].label, "replug");
    EXPECT_EQ(c2v(analysis.phases[0]).sent, 100u);
    EXPECT_EQ(c2v(analysis.phases[1]).sent, 100u);
    EXPECT_EQ(c2v(analysis.phases[1]).lost, 10u);
    EXPECT_EQ(c2v(analysis.phases[2]).lost, 0u);
    EXPECT_FALSE(c2v(analysis.phases[0]).longest_gap);
    EXPECT_EQ(*analysis.phases[1].start_ns, kStart + 100 * kMs);
    EXPECT_EQ(*analysis.phases[1].end_ns, kStart + 200 * kMs);
    EXPECT_FALSE(analysis.phases[2].end_ns);
    EXPECT_EQ(c2v(analysis.total).sent, 300u);
}

TEST(Analysis, NoStartPhaseWhenTheFirstMarkPrecedesTraffic) {
    const Analysis analysis =
        analyze({{test::delivered_stream(Direction::ClientToVm, 10)}, {""}, {{kStart - kMs, "steady", MarkKind::Phase}}});
    ASSERT_EQ(analysis.phases.size(), 1u);
    EXPECT_EQ(analysis.phases[0].label, "steady");
    EXPECT_EQ(analysis.origin_ns, kStart - kMs);
}

TEST(Analysis, GapCrossingAPhaseBoundaryIsClippedToEachPhase) {
    auto stream = test::delivered_stream(Direction::ClientToVm, 100);
    test::lose(stream, 40, 60);
    const Analysis analysis = analyze({{stream}, {""}, {{kStart + 50 * kMs, "b", MarkKind::Phase}}});
    ASSERT_EQ(analysis.phases.size(), 2u);
    EXPECT_EQ(c2v(analysis.phases[0]).longest_gap->packets, 10u);
    EXPECT_EQ(c2v(analysis.phases[0]).longest_gap->end_ns, kStart + 50 * kMs);
    EXPECT_EQ(c2v(analysis.phases[1]).longest_gap->packets, 10u);
    EXPECT_EQ(c2v(analysis.total).longest_gap->packets, 20u);
}

TEST(Analysis, LatencyPercentilesAreNearestRank) {
    auto stream = test::delivered_stream(Direction::ClientToVm, 100);
    for (std::size_t seq = 0; seq < 100; ++seq)  // latencies 1..100 us, shuffled by sequence
        stream.receives[seq].first_rx_ns = stream.receives[seq].send_ns + static_cast<std::int64_t>((seq * 37) % 100 + 1) * 1000;
    const auto latency = c2v(analyze({{stream}, {""}, {}}).total).latency;
    ASSERT_TRUE(latency);
    EXPECT_EQ(latency->p50_ns, 50'000);
    EXPECT_EQ(latency->p99_ns, 99'000);
    EXPECT_EQ(latency->max_ns, 100'000);
}

TEST(Analysis, PercentileEdgeCases) {
    const std::vector<std::int64_t> one{7};
    EXPECT_EQ(percentile(one, 50), 7);
    EXPECT_EQ(percentile(one, 99), 7);
    const std::vector<std::int64_t> two{1, 2};
    EXPECT_EQ(percentile(two, 50), 1);
    EXPECT_EQ(percentile(two, 99), 2);
}

TEST(Analysis, DeliveriesAreCountedPerPath) {
    auto stream = test::delivered_stream(Direction::ClientToVm, 10);
    for (std::size_t seq = 0; seq < 10; ++seq) stream.receives[seq].path = seq < 4 ? 1 : 2;
    const Analysis analysis = analyze({{stream}, {"", "vf", "pv"}, {}});
    EXPECT_EQ(c2v(analysis.total).delivered_by_path, (std::vector<std::uint64_t>{0, 4, 6}));
}

TEST(Analysis, StreamsOfOneDirectionAreSummed) {
    auto a = test::delivered_stream(Direction::ClientToVm, 10);
    auto b = test::delivered_stream(Direction::ClientToVm, 20);
    b.key.stream_id = 2;
    test::lose(b, 0, 5);
    const Analysis analysis = analyze({{a, b}, {""}, {}});
    const DirectionStats& stats = c2v(analysis.total);
    EXPECT_EQ(stats.sent, 30u);
    EXPECT_EQ(stats.lost, 5u);
}

TEST(Analysis, InferredTraceInterpolatesMissingSendTimes) {
    auto stream = test::delivered_stream(Direction::ClientToVm, 10);
    test::lose(stream, 3, 6);
    test::lose(stream, 8, 10);  // invisible to a receiver without the send log
    const StreamTrace inferred = infer_trace(stream.key, stream.receives);
    ASSERT_EQ(inferred.sends.size(), 8u);
    EXPECT_EQ(inferred.sends[4].time_ns, kStart + 4 * kMs);
    const Analysis analysis = analyze({{inferred}, {""}, {}});
    const DirectionStats& stats = c2v(analysis.total);
    EXPECT_EQ(stats.lost, 3u);
    EXPECT_EQ(stats.longest_gap->duration_ns(), 3 * kMs);
}

}  // namespace
}  // namespace nf::lab
