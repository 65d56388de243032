// The make-before-break RX grace and the master's output (failover/rx_grace.h, failover/output.h), with time
// as an input: each case is told "now" and checks what the datapath does and when the core asks to be woken.
// Moved here from the root-only integration suite (RxGrace.* in tests/integration/failoverd/rx_grace_test.cpp,
// which keeps the daemon's wiring: the timer armed at wake_at and the tick fed back).
#include <chrono>
#include <stdexcept>

#include "datapath/memory/memory_datapath.h"
#include "failover_fixture.h"

namespace nf::failover::test {
namespace {

using namespace std::chrono_literals;
using datapath::MemoryDatapath;

const TimePoint kT0 = TimePoint{} + 1h;  // any time: the core never reads a clock

FailoverConfig make_before_break(std::chrono::milliseconds grace) {
    FailoverConfig c;  // our defaults: make-before-break RX
    c.rx_grace = grace;
    return c;
}

class RxGraceCore : public FailoverTest {
protected:
    // Primary gone (the standby active and delivering), then back, each step given to the output at `at`.
    void unplug_primary(MasterOutput& out, TimePoint at) {
        stack.unplug("ens11");
        out.update(at);
        ASSERT_EQ(dp.tx(), Role::standby);
        ASSERT_TRUE(dp.rx(Role::standby));
    }
    OutputStep plug_primary(MasterOutput& out, TimePoint at) {
        stack.add(make_vf());
        stack.set_carrier("ens11", true);
        return out.update(at);
    }

    MemoryDatapath dp{{"ens10", kMacM}};
};

TEST_F(RxGraceCore, StandbyKeepsDeliveringForTheGraceAfterThePrimaryIsBack) {
    FailoverMaster& m = create_ready(make_before_break(1500ms));
    MasterOutput out(m, dp);
    const OutputStep start = out.update(kT0);
    EXPECT_EQ(dp.tx(), Role::primary);
    EXPECT_FALSE(dp.rx(Role::standby)) << "no grace at start-up";
    EXPECT_FALSE(start.wake_at.has_value());
    unplug_primary(out, kT0 + 1s);
    if (HasFatalFailure()) return;

    const TimePoint back = kT0 + 2s;
    const OutputStep step = plug_primary(out, back);
    EXPECT_EQ(dp.tx(), Role::primary);
    EXPECT_TRUE(dp.rx(Role::primary));
    EXPECT_TRUE(dp.rx(Role::standby)) << "held by the grace";
    EXPECT_TRUE(out.rx_grace_holding());
    EXPECT_EQ(step.wake_at, back + 1500ms);
    EXPECT_EQ(out.wake_at(), back + 1500ms);

    // Woken early (another event): still held, nothing to apply, the same wake time.
    const OutputStep early = out.update(back + 1499ms);
    EXPECT_FALSE(early.applied);
    EXPECT_TRUE(dp.rx(Role::standby));
    EXPECT_EQ(early.wake_at, back + 1500ms);

    // At the time asked for: the program as the master asks for it.
    const OutputStep over = out.update(back + 1500ms);
    EXPECT_TRUE(over.applied);
    EXPECT_FALSE(over.tx_switch.has_value()) << "the end of the grace is no switch";
    EXPECT_FALSE(dp.rx(Role::standby));
    EXPECT_TRUE(dp.rx(Role::primary));
    EXPECT_FALSE(out.rx_grace_holding());
    EXPECT_FALSE(over.wake_at.has_value());
    EXPECT_EQ(dp.tx(), Role::primary);
}

TEST_F(RxGraceCore, ThePrimaryGoneAgainDuringTheGraceWins) {
    FailoverMaster& m = create_ready(make_before_break(3000ms));
    MasterOutput out(m, dp);
    out.update(kT0);
    unplug_primary(out, kT0 + 1s);
    if (HasFatalFailure()) return;
    plug_primary(out, kT0 + 2s);
    ASSERT_TRUE(out.rx_grace_holding());

    stack.unplug("ens11");
    const OutputStep gone = out.update(kT0 + 2500ms);
    EXPECT_EQ(dp.tx(), Role::standby);
    EXPECT_FALSE(out.rx_grace_holding());
    EXPECT_FALSE(gone.wake_at.has_value());
    // Past the grace the standby still delivers: it is the active slave again.
    out.update(kT0 + 10s);
    EXPECT_TRUE(dp.rx(Role::standby));
    EXPECT_FALSE(out.rx_grace_holding());
}

TEST_F(RxGraceCore, ZeroDisablesTheGrace) {
    FailoverMaster& m = create_ready(make_before_break(0ms));
    MasterOutput out(m, dp);
    out.update(kT0);
    unplug_primary(out, kT0 + 1s);
    if (HasFatalFailure()) return;
    const OutputStep step = plug_primary(out, kT0 + 2s);
    EXPECT_EQ(dp.tx(), Role::primary);
    EXPECT_FALSE(dp.rx(Role::standby));
    EXPECT_FALSE(out.rx_grace_holding());
    EXPECT_FALSE(step.wake_at.has_value());
}

TEST_F(RxGraceCore, KernelModeHasNoGrace) {
    FailoverConfig config = FailoverConfig::kernel_compat();
    config.rx_grace = 3000ms;  // ignored: the kernel's RX rule has no grace
    FailoverMaster& m = create_ready(config);
    MasterOutput out(m, dp);
    out.update(kT0);
    // A registered primary: the standby's frames are dropped at once, grace or not.
    EXPECT_FALSE(dp.rx(Role::standby));
    unplug_primary(out, kT0 + 1s);
    if (HasFatalFailure()) return;
    const OutputStep step = plug_primary(out, kT0 + 2s);
    EXPECT_FALSE(dp.rx(Role::standby));
    EXPECT_FALSE(out.rx_grace_holding());
    EXPECT_FALSE(step.wake_at.has_value());
}

TEST(RxGraceRule, AStandbyReplacedUnderItsRoleIsNotHeld) {
    RxGrace grace(RxMode::make_before_break, 100ms);
    DatapathProgram applied;
    applied.slaves[slot_index(Role::standby)] = SlaveEndpoint{"ens10nsby", 7, kMacM};
    applied.rx[slot_index(Role::standby)] = true;
    DatapathProgram next = applied;
    next.rx[slot_index(Role::standby)] = false;

    DatapathProgram replaced = next;
    replaced.slaves[slot_index(Role::standby)]->ifindex = 8;
    grace.hold(replaced, applied, kT0);
    EXPECT_FALSE(replaced.rx[slot_index(Role::standby)]);
    EXPECT_FALSE(grace.holding());

    DatapathProgram gone = next;
    gone.slaves[slot_index(Role::standby)].reset();
    grace.hold(gone, applied, kT0);
    EXPECT_FALSE(grace.holding());

    grace.hold(next, applied, kT0);  // the same standby: held
    EXPECT_TRUE(next.rx[slot_index(Role::standby)]);
    EXPECT_EQ(grace.until(), kT0 + 100ms);
    // Nothing applied yet (start-up): nothing to hold.
    RxGrace fresh(RxMode::make_before_break, 100ms);
    DatapathProgram first = applied;
    first.rx[slot_index(Role::standby)] = false;
    fresh.hold(first, std::nullopt, kT0);
    EXPECT_FALSE(fresh.holding());
}

// --- one way through: the TX the master published is what the datapath, the counters and the announcer get ---

TEST_F(RxGraceCore, TheSwitchIsTheTxTheMasterPublished) {
    FailoverMaster& m = create_ready(make_before_break(100ms));
    MasterOutput out(m, dp);
    const OutputStep start = out.update(kT0);
    ASSERT_TRUE(start.tx_switch.has_value());
    EXPECT_TRUE(start.tx_switch->first);
    EXPECT_EQ(start.tx_switch->to, Role::primary);
    EXPECT_TRUE(start.tx_switch->new_port);
    EXPECT_FALSE(start.tx_switch->failover);

    stack.unplug("ens11");
    const FailoverEvent* published = sink.last(FailoverEventKind::active_changed);
    ASSERT_NE(published, nullptr);
    EXPECT_EQ(published->active, m.tx());
    const OutputStep step = out.update(kT0 + 1s);
    ASSERT_TRUE(step.tx_switch.has_value());
    EXPECT_FALSE(step.tx_switch->first);
    EXPECT_EQ(step.tx_switch->from, Role::primary);
    EXPECT_EQ(step.tx_switch->to, published->active);
    EXPECT_EQ(dp.tx(), published->active);
    EXPECT_TRUE(step.tx_switch->failover);
    EXPECT_TRUE(step.tx_switch->new_port);
    EXPECT_EQ(out.failovers(), 1u);

    // Nothing changed: nothing applied, no switch.
    const OutputStep again = out.update(kT0 + 2s);
    EXPECT_FALSE(again.applied);
    EXPECT_FALSE(again.tx_switch.has_value());
}

TEST_F(RxGraceCore, ADropInBetweenIsNoFailover) {
    FailoverMaster& m = create_ready(make_before_break(100ms));
    MasterOutput out(m, dp);
    out.update(kT0);
    stack.set_carrier("ens11", false);
    stack.set_carrier("ens10nsby", false);
    const OutputStep none = out.update(kT0 + 1s);
    ASSERT_TRUE(none.tx_switch.has_value());
    EXPECT_FALSE(none.tx_switch->to.has_value());
    EXPECT_FALSE(none.tx_switch->new_port) << "no port to announce on";
    stack.set_carrier("ens11", true);
    const OutputStep back = out.update(kT0 + 2s);
    ASSERT_TRUE(back.tx_switch.has_value());
    EXPECT_EQ(back.tx_switch->to, Role::primary);
    EXPECT_FALSE(back.tx_switch->new_port) << "TX is back on the port it last used";
    EXPECT_FALSE(back.tx_switch->failover);
    EXPECT_EQ(out.failovers(), 0u);
}

// A datapath whose set_rx fails once: the output keeps the last program applied and the next update retries.
class FailingOnceDatapath final : public DatapathOps {
public:
    explicit FailingOnceDatapath(MemoryDatapath& inner) : inner_(inner) {}
    void attach(Role slot, const SlaveEndpoint& slave) override { inner_.attach(slot, slave); }
    void detach(Role slot) override { inner_.detach(slot); }
    void set_tx(std::optional<Role> slot) override { inner_.set_tx(slot); }
    void set_rx(Role slot, bool deliver) override {
        if (fail_next_) {
            fail_next_ = false;
            throw std::runtime_error("map update failed");
        }
        inner_.set_rx(slot, deliver);
    }
    void set_carrier(bool on) override { inner_.set_carrier(on); }
    void fail_next() { fail_next_ = true; }

private:
    MemoryDatapath& inner_;
    bool fail_next_ = false;
};

TEST_F(RxGraceCore, AFailedApplyIsRetriedByTheNextUpdate) {
    FailoverMaster& m = create_ready(make_before_break(100ms));
    FailingOnceDatapath failing(dp);
    MasterOutput out(m, failing);
    out.update(kT0);
    const auto before = out.applied();
    stack.unplug("ens11");
    failing.fail_next();
    EXPECT_THROW(out.update(kT0 + 1s), std::runtime_error);
    EXPECT_EQ(out.applied(), before);
    const OutputStep retry = out.update(kT0 + 2s);
    EXPECT_TRUE(retry.applied);
    ASSERT_TRUE(retry.tx_switch.has_value());
    EXPECT_EQ(retry.tx_switch->to, Role::standby);
    EXPECT_EQ(dp.tx(), Role::standby);
    EXPECT_TRUE(dp.rx(Role::standby));
    EXPECT_EQ(out.failovers(), 1u);
}

}  // namespace
}  // namespace nf::failover::test
