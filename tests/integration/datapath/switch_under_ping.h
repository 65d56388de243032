#pragma once
// The switch test both datapaths share: TX primary -> standby -> primary under a ping stream from the
// guest, each phase lasting until its slave's TX counter shows kPhase more requests (however slow the
// machine), then nothing lost across the two switches.
#include <gtest/gtest.h>

#include <string>

#include "datapath/datapath.h"
#include "../../support/ping_stream.h"
#include "netns_fixture.h"

namespace nf::datapath::test {

struct SwitchRun {
    static constexpr std::uint64_t kPhase = 100;
    DatapathCounters before, back, after;  // at the start, right after switching back, at the end
};

// Fatal failures return early; callers check HasFatalFailure() before using the counters.
inline void switch_under_ping(Datapath& dp, const std::string& guest_ns, SwitchRun& run) {
    constexpr std::uint64_t kPhase = SwitchRun::kPhase;
    run.before = dp.counters();
    nf::test::PingStream stream(guest_ns, "10.77.0.2", 0.004);
    const auto tx = [&dp](int slot) { return dp.counters().slot[slot].tx_packets; };
    ASSERT_TRUE(wait_until([&] { return tx(0) >= run.before.slot[0].tx_packets + kPhase; })) << stream.stop().output;
    dp.set_tx(Slot::standby);
    const auto on_standby = dp.counters();
    ASSERT_TRUE(wait_until([&] { return tx(1) >= on_standby.slot[1].tx_packets + kPhase; })) << stream.stop().output;
    dp.set_tx(Slot::primary);
    run.back = dp.counters();
    ASSERT_TRUE(wait_until([&] { return tx(0) >= run.back.slot[0].tx_packets + kPhase; })) << stream.stop().output;
    const auto r = stream.stop();
    EXPECT_FALSE(r.ended_by_itself) << r.output;
    EXPECT_TRUE(r.missing.empty()) << nf::test::describe_loss(r);
    EXPECT_EQ(r.duplicates, 0);
    EXPECT_GE(r.answered, static_cast<int>(3 * kPhase) - 10);
    run.after = dp.counters();
    // Structure: TX went primary -> standby -> primary, and the standby carried only its phase.
    EXPECT_GE(run.after.slot[1].tx_packets - run.before.slot[1].tx_packets, kPhase);
    EXPECT_GE(run.after.slot[0].tx_packets - run.before.slot[0].tx_packets, 2 * kPhase);
    EXPECT_LE(run.after.slot[1].tx_packets - run.back.slot[1].tx_packets, 3u)
        << "TX stayed on the standby after switching back";
}

}  // namespace nf::datapath::test
