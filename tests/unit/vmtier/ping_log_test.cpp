// The real-VM tier counts loss by sequence number inside a phase's window and measures the outage as
// the longest time between two replies less the interval: these are the figures make compare publishes.
#include <gtest/gtest.h>

#include <string>

#include "ping_log.h"

namespace nf::vmtest {
namespace {

std::string reply(double at, int seq) {
    return "[" + std::to_string(at) + "] 64 bytes from 10.219.0.2: icmp_seq=" + std::to_string(seq) +
           " ttl=64 time=0.5 ms\n";
}

TEST(PingLog, NoLossWhenEverySequenceIsAnswered) {
    std::string out = "PING 10.219.0.2 (10.219.0.2) 56(84) bytes of data.\n";
    for (int seq = 1; seq <= 20; ++seq) out += reply(1000.0 + seq * 0.05, seq);
    out += "--- 10.219.0.2 ping statistics ---\n21 packets transmitted, 20 received, 4.7619% packet loss\n";
    const PingSummary s = parse_ping_output(out);
    EXPECT_EQ(s.answered, 20);
    EXPECT_EQ(s.last_answered_seq, 20);
    EXPECT_EQ(s.lost(), 0);  // seq 21, in flight when ping stopped, is not a loss
    EXPECT_NEAR(s.max_gap_ms, 50, 0.5);
    EXPECT_NEAR(s.outage_ms(), 0, 0.5);
}

TEST(PingLog, GapIsLossAndOutage) {
    std::string out;
    for (int seq = 1; seq <= 10; ++seq) out += reply(1000.0 + seq * 0.05, seq);
    for (int seq = 51; seq <= 60; ++seq) out += reply(1000.0 + seq * 0.05, seq);  // 40 lost, 2.05 s gap
    const PingSummary s = parse_ping_output(out);
    EXPECT_EQ(s.lost(), 40);
    EXPECT_EQ(s.missing.front(), 11);
    EXPECT_EQ(s.missing.back(), 50);
    EXPECT_NEAR(s.max_gap_ms, 2050, 0.5);
    EXPECT_NEAR(s.outage_ms(), 2000, 0.5);
}

TEST(PingLog, WindowCountsOnlyRequestsAfterTheAction) {
    std::string out;
    for (int seq = 5; seq <= 30; ++seq) out += reply(1000.0 + seq * 0.05, seq);  // 1-4 lost before the action
    out += reply(1000.0 + 31 * 0.05, 32);                                       // 31 lost after it
    const PingSummary s = parse_ping_output(out, 10);
    EXPECT_EQ(s.answered, 21);
    ASSERT_EQ(s.lost(), 1);
    EXPECT_EQ(s.missing.front(), 31);
}

TEST(PingLog, DuplicatesAndOtherLinesAreIgnored) {
    std::string out = reply(1000.05, 1) + reply(1000.06, 1) + "From 10.219.0.1 icmp_seq=2 Destination Host Unreachable\n" +
                      reply(1000.15, 3) + "garbage line\n";
    const PingSummary s = parse_ping_output(out);
    EXPECT_EQ(s.answered, 2);
    ASSERT_EQ(s.lost(), 1);
    EXPECT_EQ(s.missing.front(), 2);
    EXPECT_NEAR(s.max_gap_ms, 100, 0.5);  // the duplicate's later time is not a reply
}

TEST(PingLog, EmptyOutputIsNoData) {
    const PingSummary s = parse_ping_output("");
    EXPECT_EQ(s.answered, 0);
    EXPECT_EQ(s.last_answered_seq, 0);
    EXPECT_EQ(s.lost(), 0);
}

// The netpass comparison's 1 kHz stream: a request held and delivered late is not lost but reordered
// when replies to later requests came first; the outage is less the stream's own interval.
TEST(PingLog, LateReplyIsReorderedNotLost) {
    std::string out = reply(1000.001, 1) + reply(1000.002, 2) + reply(1000.004, 4) + reply(1000.005, 5) +
                      reply(1000.009, 3) + reply(1000.010, 3) + reply(1000.011, 6);
    PingSummary s = parse_ping_output(out);
    EXPECT_EQ(s.lost(), 0);
    EXPECT_EQ(s.reordered, 1);  // 3 after 4 and 5; its duplicate is not counted again
    s.interval_ms = 1;
    EXPECT_NEAR(s.max_gap_ms, 4, 0.01);
    EXPECT_NEAR(s.outage_ms(), 3, 0.01);
}

TEST(PingLog, InOrderRepliesAreNotReordered) {
    std::string out;
    for (int seq = 1; seq <= 100; ++seq) out += reply(1000.0 + seq * 0.001, seq);
    const PingSummary s = parse_ping_output(out, 50);
    EXPECT_EQ(s.reordered, 0);
    EXPECT_EQ(s.answered, 50);
}

}  // namespace
}  // namespace nf::vmtest
