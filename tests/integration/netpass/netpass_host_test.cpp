// failover-netpass as failover-migrate drives it, on a real bridge and taps: what reaches the guest across a
// switchover with and without host netpass.
#include <gtest/gtest.h>

#include "switchover_lab.h"

namespace nf::netpass::test {
namespace {

std::string seqs(const Direction& d) {
    std::string out;
    for (auto s : d.missing) out += " " + std::to_string(s);
    return out.empty() ? "" : " (lost/duplicated:" + out + ")";
}

std::string describe(const Direction& d) {
    return "sent " + std::to_string(d.sent) + ", delivered " + std::to_string(d.delivered) + ", lost " +
           std::to_string(d.lost) + ", reordered " + std::to_string(d.reordered) + ", duplicates " +
           std::to_string(d.duplicates) + ", outage " + std::to_string(d.outage_ms) + " ms" + seqs(d);
}

TEST(NetpassHost, WithoutNetpassTheDowntimeIsLost) {
    const auto r = run_switchover({.netpass = false});
    SCOPED_TRACE(describe(r.to_guest));
    // Every frame from the stop until the bridge learns the new port dies in the stopped source's queue:
    // downtime (150 ms) + announcement (20 ms) at 1 kHz.
    EXPECT_GE(r.to_guest.lost, 120);
    EXPECT_EQ(r.to_guest.reordered, 0);
    EXPECT_EQ(r.from_guest.lost, 0) << describe(r.from_guest);
}

TEST(NetpassHost, WithNetpassNothingLostNothingReordered) {
    const auto r = run_switchover({.netpass = true});
    SCOPED_TRACE(describe(r.to_guest));
    SCOPED_TRACE("source " + r.source_report.dump() + "\ndestination " + r.destination_report.dump() + "\n" +
                 r.tap_stats);
    EXPECT_EQ(r.to_guest.lost, 0);
    EXPECT_EQ(r.to_guest.reordered, 0);
    EXPECT_EQ(r.to_guest.duplicates, 0);
    EXPECT_EQ(r.from_guest.lost, 0) << describe(r.from_guest);
    // The counters account for the frames: kept during the downtime, injected first on the destination.
    EXPECT_GE(r.source_report.at("kept").get<int>(), 120);
    EXPECT_EQ(r.source_report.at("dropped"), 0);
    EXPECT_EQ(r.destination_report.at("injected").get<int>(),
              r.source_report.at("kept").get<int>() + r.source_report.at("forwarded").get<int>());
    EXPECT_EQ(r.destination_report.at("dropped"), 0);
    EXPECT_EQ(r.destination_report.at("outcome"), "done");
    EXPECT_EQ(r.leftovers, "") << "tc filters or qdiscs left behind";
}

TEST(NetpassHost, FrameBoundIsCountedAndTheRestTakesTheNormalPath) {
    // 50 frames may be kept: the rest of the downtime is lost as without netpass, and counted.
    const auto r = run_switchover({.netpass = true, .extra_args = {"--max-frames", "50"}});
    SCOPED_TRACE(describe(r.to_guest));
    SCOPED_TRACE("source " + r.source_report.dump() + "\ndestination " + r.destination_report.dump() + "\n" +
                 r.tap_stats);
    // Everything kept counts against the bound, the frames recovered from the stopped VMM's queue too.
    EXPECT_EQ(r.source_report.at("kept").get<int>() + r.source_report.at("forwarded").get<int>(), 50);
    // (150 ms of downtime at 1 kHz is well over 50 frames, however the loaded machine schedules the stream.)
    EXPECT_GE(r.source_report.at("dropped").get<int>(), 30);
    EXPECT_GE(r.to_guest.lost, 30);
    // Every frame lost is one that a bound turned away, on one side or the other.
    EXPECT_LE(r.to_guest.lost,
              r.source_report.at("dropped").get<int>() + r.destination_report.at("dropped").get<int>());
    EXPECT_EQ(r.leftovers, "");
}

}  // namespace
}  // namespace nf::netpass::test
