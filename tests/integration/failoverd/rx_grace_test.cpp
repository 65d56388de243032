// make-before-break RX grace, end to end: when the primary takes over again, the standby keeps delivering
// RX for --rx-grace ms (frames still in flight on its path), then stops — the daemon arms its timer at the
// time the core asks for and feeds the tick back. Read through status: rx.{primary,standby} and
// rx_grace.holding. The rule's other cases (a change during the grace wins, --rx-grace 0, kernel mode) are
// the core's and tested there in microseconds: tests/unit/failover/rx_grace_test.cpp.
#include <chrono>

#include "failoverd_fixture.h"

namespace nf::failoverd::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class RxGrace : public FailoverdFixture {
protected:
    bool standby_rx() { return status()["rx"].value("standby", false); }
    bool holding() { return status()["rx_grace"].value("holding", false); }

    // Primary gone (the standby active and delivering), then back.
    void unplug_primary() {
        lab_->delete_primary();
        ASSERT_TRUE(wait_active("standby")) << status().dump();
        ASSERT_TRUE(wait_until([&] { return standby_rx(); }, 5s)) << status().dump();
    }
};

TEST_P(RxGrace, StandbyKeepsDeliveringForTheGraceAfterThePrimaryIsBack) {
    constexpr auto kGrace = 1500ms;
    start({"--rx-grace", "1500"});
    ASSERT_TRUE(wait_active("primary"));
    EXPECT_FALSE(standby_rx()) << "no grace at start-up: " << status().dump();
    unplug_primary();
    if (HasFatalFailure()) return;

    lab_->add_primary();
    ASSERT_TRUE(wait_until([&] { return status().value("active", "") == "primary"; }, 10s)) << status().dump();
    const auto primary_at = Clock::now();  // at or after the grace began
    const auto s = status();
    // Still within the grace (however slow the status round trip, it is well under 1.5 s).
    EXPECT_TRUE(s["rx"].value("standby", false)) << s.dump();
    EXPECT_TRUE(s["rx"].value("primary", false)) << s.dump();
    EXPECT_TRUE(s["rx_grace"].value("holding", false)) << s.dump();

    ASSERT_TRUE(wait_until([&] { return !standby_rx(); }, 10s)) << status().dump();
    const auto held = Clock::now() - primary_at;
    // primary_at is late by the poll period at most, so the hold seen is at most the grace (plus the
    // timer's and the polls' delays): generous bounds for a loaded machine.
    EXPECT_GE(held, kGrace / 2) << std::chrono::duration_cast<std::chrono::milliseconds>(held).count() << " ms";
    EXPECT_LE(held, kGrace + 3s) << std::chrono::duration_cast<std::chrono::milliseconds>(held).count() << " ms";
    EXPECT_FALSE(holding()) << status().dump();
    EXPECT_EQ(status()["active"], "primary");
    lab_->configure_master_ip();
    EXPECT_TRUE(lab_->ping());
}

INSTANTIATE_TEST_SUITE_P(Setups, RxGrace, ::testing::Values(Setup{"packet", "3dev"}, Setup{"bpf", "3dev"}), setup_name);

}  // namespace
}  // namespace nf::failoverd::test
