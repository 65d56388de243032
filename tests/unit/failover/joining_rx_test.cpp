// A slave's receive path reaches the master before the core opens it (FailoverMaster::joining): the kernel
// registers net_failover's rx_handler before dev_open, so a host that steers the VM's MAC to a re-plugged
// VF as soon as it has carrier loses nothing while the registration finishes. TX moves only later.
#include <cerrno>
#include <optional>

#include "datapath/memory/memory_datapath.h"
#include "failover_fixture.h"

namespace nf::failover::test {
namespace {

using sim::FakeNetdev;

// What the datapath did with a frame arriving on the joining device at the moment the core opens it.
struct AtOpen {
    Role role;
    bool device_already_open = false;
    bool frame_delivered = false;
    std::optional<Role> tx;
    bool standby_rx = false;
};

// The daemon's part (Daemon::before_slave_open): apply the program through the output, then (here) a
// frame arrives on the device.
class ApplyingSink final : public EventSink {
public:
    void publish(const FailoverEvent& event) override { events.publish(event); }
    void before_slave_open(const std::string&, Role role, const Netdev& dev) override {
        AtOpen seen{role};
        seen.device_already_open = has_op(stack->get(dev.name), "open");
        if (output) {
            output->update(TimePoint{});
            seen.frame_delivered = datapath->receive(role, {0x42});
            seen.tx = datapath->tx();
            seen.standby_rx = datapath->rx(Role::standby);
        }
        at_open.push_back(seen);
    }

    sim::RecordingSink events;
    sim::FakeNetworkStack* stack = nullptr;
    datapath::MemoryDatapath* datapath = nullptr;
    MasterOutput* output = nullptr;
    std::vector<AtOpen> at_open;
};

class JoiningRx : public ::testing::Test {
protected:
    JoiningRx() {
        spdlog::set_level(spdlog::level::warn);
        sink.stack = &stack;
        sink.datapath = &datapath;
        stack.set_listener([this](const NetdevEvent& e) { registry.handle(e); });
    }

    // A running master on the standby alone, TX on the standby, its program applied.
    FailoverMaster& running_on_standby(FailoverConfig config) {
        MasterSpec spec;
        spec.name = "ens10";
        spec.standby = make_pv();
        spec.config = std::move(config);
        FailoverMaster& m = registry.create_master(std::move(spec), stack.snapshot());
        stack.add(make_pv());
        EXPECT_FALSE(m.open());
        stack.set_carrier("ens10nsby", true);
        output.emplace(m, datapath);
        sink.output = &*output;
        output->update(TimePoint{});
        EXPECT_EQ(datapath.tx(), Role::standby);
        sink.at_open.clear();
        return m;
    }

    sim::FakeNetworkStack stack;
    ApplyingSink sink;
    FailoverRegistry registry{stack, sink};
    datapath::MemoryDatapath datapath{datapath::MasterSpec{"ens10", kMacM}, 7};
    std::optional<MasterOutput> output;
};

TEST_F(JoiningRx, APrimaryReceivesIntoTheMasterBeforeItIsOpened) {
    FailoverMaster& m = running_on_standby(FailoverConfig{});
    stack.add(make_vf());
    ASSERT_EQ(sink.at_open.size(), 1u);
    const AtOpen& seen = sink.at_open[0];
    EXPECT_EQ(seen.role, Role::primary);
    EXPECT_FALSE(seen.device_already_open) << "the program must be applied before the open";
    EXPECT_TRUE(seen.frame_delivered) << "a frame on the joining primary reaches the master";
    EXPECT_EQ(seen.tx, Role::standby) << "TX moves only once the primary is a slave with carrier";
    EXPECT_TRUE(seen.standby_rx) << "the standby keeps delivering (make-before-break)";
    ASSERT_TRUE(datapath.attached(Role::primary).has_value());
    EXPECT_EQ(datapath.attached(Role::primary)->name, "ens11");

    // Registered: a slave now, no longer joining; the same endpoint, so no second attach.
    ASSERT_NE(m.slave(Role::primary), nullptr);
    EXPECT_EQ(m.joining(Role::primary), nullptr);
    EXPECT_TRUE(has_op(stack.get("ens11"), "open"));
    stack.set_carrier("ens11", true);
    output->update(TimePoint{});
    EXPECT_EQ(datapath.tx(), Role::primary);
    EXPECT_TRUE(datapath.receive(Role::primary, {0x43}));
}

TEST_F(JoiningRx, KernelRxModeAlsoDeliversTheJoiningPrimaryAndStillTheStandby) {
    // net_failover_handle_frame: the primary is delivered always; the standby EXACT only once primary_dev
    // is assigned, which is after dev_open.
    running_on_standby(FailoverConfig::kernel_compat());
    stack.add(make_vf());
    ASSERT_EQ(sink.at_open.size(), 1u);
    EXPECT_TRUE(sink.at_open[0].frame_delivered);
    EXPECT_TRUE(sink.at_open[0].standby_rx);
    output->update(TimePoint{});
    EXPECT_FALSE(datapath.rx(Role::standby)) << "after registration the kernel mode stops the standby's RX";
}

TEST_F(JoiningRx, AFailedOpenLeavesNothingJoiningAndTheNextProgramDetachesIt) {
    FailoverMaster& m = running_on_standby(FailoverConfig{});
    FakeNetdev vf{make_vf()};
    vf.fail.open = EIO;
    stack.add(vf);
    ASSERT_EQ(sink.at_open.size(), 1u);
    EXPECT_TRUE(sink.at_open[0].frame_delivered);
    EXPECT_EQ(m.slave(Role::primary), nullptr);
    EXPECT_EQ(m.joining(Role::primary), nullptr) << "rolled back";
    EXPECT_FALSE(m.rx_delivered(Role::primary));
    output->update(TimePoint{});
    EXPECT_FALSE(datapath.attached(Role::primary).has_value()) << "detached with the next program";
    EXPECT_EQ(datapath.tx(), Role::standby);
}

TEST_F(JoiningRx, NothingIsOpenedSoNothingIsAskedWhileTheMasterIsDown) {
    FailoverMaster& m = running_on_standby(FailoverConfig{});
    m.close();
    stack.add(make_vf());
    EXPECT_TRUE(sink.at_open.empty());
    ASSERT_NE(m.slave(Role::primary), nullptr);
    EXPECT_FALSE(has_op(stack.get("ens11"), "open"));
}

}  // namespace
}  // namespace nf::failover::test
