// A datapath whose constructor fails leaves nothing behind: no filter, qdisc, pin or pin directory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <chrono>
#include <string>
#include <thread>

#include "common/error.h"
#include "datapath/bpf/bpf_datapath.h"
#include "datapath/packet/packet_datapath.h"
#include "netns_fixture.h"
#include "os/netns.h"
#include "os/rtnl.h"

namespace nf::datapath {
namespace {

// nfy-<pid>-<tag> with veth pairs in it, removed with the object (its links die with it).
class Scratch {
public:
    explicit Scratch(const std::string& tag)
        : name_("nfy-" + std::to_string(::getpid()) + "-" + tag),
          pin_root_("/sys/fs/bpf/" + name_),
          ns_(fresh(name_)) {}
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(pin_root_, ec);
        os::Netns::remove_named(name_);
    }
    const std::string& name() const { return name_; }
    const os::Netns& ns() const { return ns_; }
    os::Rtnl rtnl() const { return os::Rtnl::in(ns_); }
    // Two levels below bpffs that do not exist yet: the constructor creates both.
    std::string pin_dir() const { return pin_root_ + "/master"; }
    const std::string& pin_root() const { return pin_root_; }
    int veth(const std::string& name) {
        os::Rtnl r = rtnl();
        const int index = r.create_veth(name, name + "p").ifindex;
        r.set_up(name + "p");
        r.set_up(name);
        return index;
    }
    bool has_clsact(const std::string& dev) const {
        return test::sh("tc -n " + name_ + " qdisc show dev " + dev).find("clsact") != std::string::npos;
    }

private:
    static os::Netns fresh(const std::string& name) {
        if (os::Netns::named_exists(name)) os::Netns::remove_named(name);
        return os::Netns::create_named(name);
    }
    std::string name_, pin_root_;
    os::Netns ns_;
};

TEST(FailedStart, BpfUnknownPeerLeavesNoPinsAndNoDirectories) {
    Scratch s("bpf-peer");
    BpfDatapathOptions o;
    o.model = BpfModel::hidden;
    o.master_ifindex = s.veth("nfyb0");
    o.master_netns_fd = s.ns().fd();
    o.peer_ifindex = 99999;  // the hook point that fails, after the maps were pinned at load
    o.slave_netns_fd = s.ns().fd();
    o.pin_dir = s.pin_dir();
    EXPECT_THROW(BpfDatapath{o}, SystemError);
    EXPECT_FALSE(std::filesystem::exists(s.pin_root()));
    EXPECT_FALSE(s.has_clsact("nfyb0"));
}

// Adopting after a slave vanished: the RX hook on the next slave fails after the one before it made a
// clsact qdisc. That qdisc goes; what the predecessor left (its TX filter, the pins) stays for the next try.
TEST(FailedStart, BpfAdoptFailingOnASecondSlaveRemovesTheQdiscItMade) {
    Scratch s("bpf-adopt");
    BpfDatapathOptions o;
    o.model = BpfModel::three_dev;
    o.master_ifindex = s.veth("nfyb0");
    o.master_netns_fd = s.ns().fd();
    o.slave_netns_fd = s.ns().fd();
    o.pin_dir = s.pin_dir();
    const int primary = s.veth("nfyb1");
    const int standby = s.veth("nfyb2");
    {
        BpfDatapath first(o);
        first.attach(Slot::primary, {"nfyb1", primary, {}});
        first.attach(Slot::standby, {"nfyb2", standby, {}});
        first.release();
    }
    s.rtnl().delete_link("nfyb2");
    test::sh("tc -n " + s.name() + " qdisc del dev nfyb1 clsact");  // reset while nobody owned it
    o.adopt = true;
    EXPECT_THROW(BpfDatapath{o}, SystemError);
    EXPECT_FALSE(s.has_clsact("nfyb1"));
    EXPECT_TRUE(s.has_clsact("nfyb0"));
    EXPECT_TRUE(std::filesystem::exists(s.pin_dir() + "/nf_config"));
}

TEST(FailedStart, BpfTeardownRemovesFilterAndPinDir) {
    Scratch s("bpf-ok");
    BpfDatapathOptions o;
    o.model = BpfModel::three_dev;
    o.master_ifindex = s.veth("nfyb0");
    o.master_netns_fd = s.ns().fd();
    o.slave_netns_fd = s.ns().fd();
    o.pin_dir = s.pin_dir();
    {
        BpfDatapath dp(o);
        EXPECT_TRUE(s.has_clsact("nfyb0"));
        dp.teardown();
    }
    EXPECT_FALSE(s.has_clsact("nfyb0"));
    EXPECT_FALSE(std::filesystem::exists(s.pin_dir()));
}

TEST(PacketHealth, AHealthyDatapathReportsNoFailureAndStopsPromptly) {
    Scratch s("pkt");
    PacketDatapathOptions o;
    o.master.name = "nfyt0";
    o.master.master_netns_fd = s.ns().fd();
    o.master.slave_netns_fd = s.ns().fd();
    const int slave = s.veth("nfyp0");
    {
        PacketDatapath dp(o);
        dp.attach(Slot::primary, {"nfyp0", slave, {}});
        dp.set_tx(Slot::primary);
        EXPECT_FALSE(dp.failure().has_value());
        const auto c = dp.counters();
        EXPECT_EQ(c.tx_dropped_full, 0u);
        EXPECT_EQ(c.rx_dropped_full, 0u);
    }
}

// The slave's device is deleted under the datapath: its socket reports the error, the RX thread neither
// spins nor dies, and a fresh attach works.
TEST(PacketHealth, SlaveDeletedUnderTheDatapathIsNotAFailure) {
    Scratch s("pkt-gone");
    PacketDatapathOptions o;
    o.master.name = "nfyt0";
    o.master.master_netns_fd = s.ns().fd();
    o.master.slave_netns_fd = s.ns().fd();
    PacketDatapath dp(o);
    dp.attach(Slot::primary, {"nfyp0", s.veth("nfyp0"), {}});
    s.rtnl().delete_link("nfyp0");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    dp.attach(Slot::primary, {"nfyp1", s.veth("nfyp1"), {}});
    EXPECT_FALSE(dp.failure().has_value());
}

}  // namespace
}  // namespace nf::datapath
