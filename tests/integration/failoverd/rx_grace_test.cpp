// make-before-break RX grace: when the primary takes over again, the standby keeps delivering RX for
// --rx-grace ms (frames still in flight on its path), then stops; a change during the grace wins; kernel
// mode and --rx-grace 0 have none. Read through status: rx.{primary,standby} and rx_grace.holding.
#include <chrono>
#include <thread>

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

TEST_P(RxGrace, ThePrimaryGoneAgainDuringTheGraceWins) {
    start({"--rx-grace", "3000"});
    ASSERT_TRUE(wait_active("primary"));
    unplug_primary();
    if (HasFatalFailure()) return;
    lab_->add_primary();
    ASSERT_TRUE(wait_until([&] { return holding(); }, 10s)) << status().dump();
    lab_->delete_primary();
    ASSERT_TRUE(wait_active("standby")) << status().dump();
    EXPECT_TRUE(wait_until([&] { return !holding(); }, 5s)) << status().dump();
    // Past the grace the standby still delivers: it is the active slave again.
    std::this_thread::sleep_for(3500ms);
    EXPECT_TRUE(standby_rx()) << status().dump();
    EXPECT_FALSE(holding()) << status().dump();
}

TEST_P(RxGrace, ZeroDisablesTheGrace) {
    start({"--rx-grace", "0"});
    ASSERT_TRUE(wait_active("primary"));
    unplug_primary();
    if (HasFatalFailure()) return;
    lab_->add_primary();
    ASSERT_TRUE(wait_active("primary", 10s)) << status().dump();
    EXPECT_TRUE(wait_until([&] { return !standby_rx(); }, 1s)) << status().dump();
    EXPECT_FALSE(holding()) << status().dump();
    EXPECT_EQ(status()["rx_grace"].value("ms", -1), 0);
}

TEST_P(RxGrace, KernelModeHasNoGrace) {
    start({"--rx-mode", "kernel", "--rx-grace", "3000"});
    ASSERT_TRUE(wait_active("primary"));
    // A registered primary: the standby's frames are dropped at once, grace or not.
    EXPECT_FALSE(standby_rx()) << status().dump();
    lab_->delete_primary();
    ASSERT_TRUE(wait_active("standby")) << status().dump();
    ASSERT_TRUE(wait_until([&] { return standby_rx(); }, 5s)) << status().dump();
    lab_->add_primary();
    EXPECT_TRUE(wait_until([&] { return !standby_rx(); }, 2s)) << status().dump();
    EXPECT_FALSE(holding()) << status().dump();
}

INSTANTIATE_TEST_SUITE_P(Setups, RxGrace, ::testing::Values(Setup{"packet", "3dev"}, Setup{"bpf", "3dev"}), setup_name);

}  // namespace
}  // namespace nf::failoverd::test
