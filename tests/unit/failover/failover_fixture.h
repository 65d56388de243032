#pragma once
// The simulated guest of linux-failover.md §14: PV = virtio standby (parent "virtio0", MAC M),
// VF = PCI device (its own parent, perm_addr M), the master "ens10" created from PV.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

#include "failover/failover.h"
#include "failover/sim/fake_network_stack.h"
#include "failover/sim/recording_sink.h"

namespace nf::failover::test {

inline const MacAddress kMacM = *MacAddress::parse("52:54:00:12:34:56");
inline const MacAddress kMacOther = *MacAddress::parse("52:54:00:65:43:21");

inline Netdev make_pv(std::string name = "ens10nsby", std::string parent = "virtio0") {
    Netdev d;
    d.name = std::move(name);
    d.netns = 1;
    d.dev_addr = d.perm_addr = kMacM;
    d.parent = std::move(parent);
    d.parent_is_pci = false;
    d.mtu = 9000;
    d.min_mtu = 68;
    d.max_mtu = 9000;
    return d;
}

inline Netdev make_vf(std::string name = "ens11", std::string parent = "0000:00:11.0") {
    Netdev d;
    d.name = std::move(name);
    d.netns = 1;
    d.dev_addr = d.perm_addr = kMacM;
    d.parent = std::move(parent);
    d.parent_is_pci = true;
    d.mtu = 1500;
    d.min_mtu = 68;
    d.max_mtu = 9000;
    d.num_tx_queues = 32;
    return d;
}

inline bool has_op(const sim::FakeNetdev& dev, const std::string& op) {
    return std::find(dev.op_log.begin(), dev.op_log.end(), op) != dev.op_log.end();
}

class FailoverTest : public ::testing::Test {
protected:
    FailoverTest() {
        spdlog::set_level(spdlog::level::warn);  // keep the kernel-style error lines, drop the chatter
        stack.set_listener([this](const NetdevEvent& e) { registry.handle(e); });
    }

    FailoverMaster& create(FailoverConfig config = FailoverConfig::kernel_compat(), Netdev standby = make_pv(),
                           std::string name = "ens10") {
        MasterSpec spec;
        spec.name = std::move(name);
        spec.standby = std::move(standby);
        spec.config = std::move(config);
        return registry.create_master(std::move(spec), stack.snapshot());
    }

    // A running master with both slaves registered, running and with carrier.
    FailoverMaster& create_ready(FailoverConfig config = FailoverConfig::kernel_compat()) {
        FailoverMaster& m = create(std::move(config));
        stack.add(make_pv());
        stack.add(make_vf());
        EXPECT_FALSE(m.open());
        stack.set_carrier("ens10nsby", true);
        stack.set_carrier("ens11", true);
        return m;
    }

    sim::FakeNetworkStack stack;
    sim::RecordingSink sink;
    FailoverRegistry registry{stack, sink};
};

}  // namespace nf::failover::test
