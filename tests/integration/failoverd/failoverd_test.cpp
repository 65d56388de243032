// failoverd on real netdevs: a guest namespace with a standby and a primary veth, a host bridge, the
// daemon as a child process. Each test runs for both datapaths and both device models.
#include <signal.h>

#include <algorithm>

#include "failoverd_fixture.h"

namespace nf::failoverd::test {
namespace {

using namespace std::chrono_literals;

class Failoverd : public FailoverdFixture {};

TEST_P(Failoverd, PingsThroughTheMasterOnThePrimaryPresentAtStart) {
    start();
    const auto s = status();
    EXPECT_EQ(s["master"], lab_->master());
    EXPECT_EQ(s["datapath"], GetParam().datapath);
    EXPECT_EQ(s["model"], GetParam().model);
    EXPECT_EQ(s["active"], "primary");
    EXPECT_EQ(s["primary"]["name"], "pr0");
    EXPECT_EQ(s["standby"]["name"], "sb0");
    lab_->configure_master_ip();
    EXPECT_TRUE(lab_->ping());
    if (hidden()) {
        EXPECT_FALSE(lab_->link_exists(lab_->guest(), "sb0"));
        EXPECT_FALSE(lab_->link_exists(lab_->guest(), "pr0"));
        EXPECT_TRUE(lab_->link_exists(lab_->private_netns(), "sb0"));
        EXPECT_TRUE(lab_->link_exists(lab_->private_netns(), "pr0"));
    } else if (two_dev()) {
        // The standby is the master: no new link, no master link on it, the guest's address on it; the
        // primary is the holder's port.
        EXPECT_FALSE(lab_->link_exists(lab_->guest(), "sb0nsby"));
        EXPECT_EQ(lab_->link_json(lab_->guest(), "sb0").find("\"master\""), std::string::npos);
        EXPECT_NE(sh(lab_->in_guest("-4 addr show dev sb0")), "");
        const std::string json = lab_->link_json(lab_->guest(), "pr0");
        EXPECT_NE(json.find("\"master\":\"sb0fo\""), std::string::npos) << json;
        EXPECT_EQ(sh(lab_->in_guest("-6 addr show dev pr0")), "");
    } else {
        // Visible slaves carry a master link, no IPv6 autoconf and no addresses.
        for (const char* slave : {"sb0", "pr0"}) {
            const std::string json = lab_->link_json(lab_->guest(), slave);
            EXPECT_NE(json.find("\"master\":\"" + lab_->master().substr(0, 13) + "fo\""), std::string::npos) << json;
            EXPECT_EQ(sh(lab_->in_guest(std::string("-6 addr show dev ") + slave)), "");
        }
    }
}

TEST_P(Failoverd, PrimaryDeletedMovesTrafficToTheStandby) {
    start();
    lab_->configure_master_ip();
    ASSERT_TRUE(lab_->ping());
    const auto unix_us = [] {
        return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    const auto before = unix_us();
    lab_->delete_primary();
    ASSERT_TRUE(wait_active("standby"));
    EXPECT_TRUE(lab_->ping());
    const auto s = status();
    EXPECT_FALSE(s["primary"]["present"].get<bool>());
    EXPECT_GE(s["counters"]["failovers"].get<int>(), 1);
    EXPECT_GE(s["switch"]["samples"].get<int>(), 1);
    EXPECT_FALSE(s["switch"]["last_us"].is_null());
    // When that switch reached the datapath, by the wall clock (scripts/bench-pairs lines pairs up by it).
    ASSERT_TRUE(s["switch"]["last_at_unix_us"].is_number()) << s["switch"].dump();
    EXPECT_GE(s["switch"]["last_at_unix_us"].get<std::int64_t>(), before);
    EXPECT_LE(s["switch"]["last_at_unix_us"].get<std::int64_t>(), unix_us());
    // The uevent watch is on here too, but a veth has no parent device: the host's device uevents (every one of
    // the machine's reaches a namespace of the initial user namespace) never make it leave; the link event did.
    EXPECT_TRUE(s["uevents"]["listening"].get<bool>()) << s["uevents"].dump();
    EXPECT_EQ(s["counters"]["primary_leaving"].get<int>(), 0) << s.dump();
    EXPECT_EQ(s["uevents"]["leave_expired"].get<int>(), 0) << s.dump();
}

TEST_P(Failoverd, PrimaryReaddedWithTheSameMacIsTakenBackAtOnce) {
    start();
    lab_->configure_master_ip();
    lab_->delete_primary();
    ASSERT_TRUE(wait_active("standby"));
    const int old_ifindex = status()["primary"]["ifindex"].get<int>();
    lab_->add_primary("prh2");
    ASSERT_TRUE(wait_active("primary"));
    const auto s = status();
    EXPECT_EQ(s["primary"]["name"], "pr0");
    EXPECT_NE(s["primary"]["ifindex"].get<int>(), old_ifindex);
    EXPECT_TRUE(lab_->ping());
    EXPECT_GE(s["counters"]["failovers"].get<int>(), 2);
}

TEST_P(Failoverd, PrimaryLinkDownAndUp) {
    start();
    lab_->configure_master_ip();
    sh(lab_->in_host("link set prh down"));
    ASSERT_TRUE(wait_active("standby"));
    EXPECT_TRUE(lab_->ping());
    sh(lab_->in_host("link set prh up"));
    ASSERT_TRUE(wait_active("primary"));
    EXPECT_TRUE(lab_->ping());
}

TEST_P(Failoverd, MasterMtuPropagatesToTheSlaves) {
    start();
    sh(lab_->in_guest("link set " + lab_->master() + " mtu 1400"));
    for (const char* slave : {"sb0", "pr0"}) {
        EXPECT_TRUE(wait_until(
            [&] { return lab_->link_json(slave_ns(), slave).find("\"mtu\":1400") != std::string::npos; }, 3s))
            << slave << ": " << lab_->link_json(slave_ns(), slave);
    }
    lab_->configure_master_ip();
    EXPECT_TRUE(lab_->ping());
}

TEST_P(Failoverd, CountersAreMonotonicAcrossAFailover) {
    start();
    lab_->configure_master_ip();
    ASSERT_TRUE(lab_->ping(5));
    const auto before = status()["counters"];
    EXPECT_GE(before["tx_packets"].get<std::uint64_t>(), 5u);
    EXPECT_GE(before["rx_packets"].get<std::uint64_t>(), 5u);
    lab_->delete_primary();
    ASSERT_TRUE(wait_active("standby"));
    ASSERT_TRUE(lab_->ping(5));
    const auto after = status()["counters"];
    for (const char* key : {"tx_packets", "rx_packets", "tx_dropped", "failovers"})
        EXPECT_GE(after[key].get<std::uint64_t>(), before[key].get<std::uint64_t>()) << key;
    EXPECT_GE(after["tx_packets"].get<std::uint64_t>(), before["tx_packets"].get<std::uint64_t>() + 5);
}

TEST_P(Failoverd, SwitchAnnouncesTheMastersAddressOnTheNewPort) {
    start({"--announce", "2"});
    lab_->configure_master_ip();
    ASSERT_TRUE(lab_->ping());
    // The host bridge learnt the guest MAC on the primary's port; a forced switch must move it at once.
    ASSERT_TRUE(set_active(lab_->control(), "standby"));
    ASSERT_TRUE(wait_active("standby"));
    EXPECT_TRUE(wait_until(
        [&] {
            const std::string fdb = sh("bridge -n " + lab_->host() + " fdb show br br0");
            return fdb.find(std::string(kGuestMac) + " dev sbh") != std::string::npos;
        },
        2s))
        << sh("bridge -n " + lab_->host() + " fdb show br br0");
    EXPECT_TRUE(wait_until([&] { return status()["announce"]["frames_sent"].get<int>() >= 2; }, 2s));
    ASSERT_TRUE(set_active(lab_->control(), "auto"));
    EXPECT_TRUE(wait_active("primary"));
    EXPECT_TRUE(lab_->ping());
}

// The addresses a switch announces are kept from rtnetlink's address events, not looked up at the switch
// (a lookup then can wait ~100 ms on the rtnl lock of a driver's removal: daemon_addresses.cpp).
TEST_P(Failoverd, AnnouncedAddressesAreKeptFromAddressEventsNotLookedUpAtTheSwitch) {
    start({"--announce", "1"});
    const auto announce = [&] { return status()["announce"]; };
    const auto knows = [&](const std::string& ip) {
        const auto known = announce()["addresses"];
        return std::find(known.begin(), known.end(), ip) != known.end();
    };
    EXPECT_TRUE(announce()["address_events"].get<bool>()) << announce().dump();
    lab_->configure_master_ip();  // 10.77.0.2
    EXPECT_TRUE(wait_until([&] { return knows("10.77.0.2"); }, 2s)) << announce().dump();
    sh(lab_->in_guest("addr add 10.78.0.2/24 dev " + lab_->master()));
    EXPECT_TRUE(wait_until([&] { return knows("10.78.0.2"); }, 2s)) << announce().dump();
    sh(lab_->in_guest("addr del 10.78.0.2/24 dev " + lab_->master()));
    EXPECT_TRUE(wait_until([&] { return !knows("10.78.0.2") && knows("10.77.0.2"); }, 2s)) << announce().dump();

    // Two switches: each announces (a round each) what the status shows, one frame per address (a gratuitous
    // ARP or an unsolicited NA), and neither looks the addresses up (a lookup now is one that an address
    // event asked for: the master's IPv6 link-local leaving DAD may come at any time).
    const auto rounds = announce()["rounds"].get<std::uint64_t>();
    const auto frames = announce()["frames_sent"].get<std::uint64_t>();
    const auto addresses = announce()["addresses"].size();
    ASSERT_TRUE(set_active(lab_->control(), "standby"));
    ASSERT_TRUE(wait_active("standby"));
    ASSERT_TRUE(set_active(lab_->control(), "auto"));
    ASSERT_TRUE(wait_active("primary"));
    EXPECT_TRUE(wait_until([&] { return announce()["rounds"].get<std::uint64_t>() >= rounds + 2; }, 2s))
        << announce().dump();
    EXPECT_EQ(announce()["address_lookups_at_switch"].get<std::uint64_t>(), 0u) << announce().dump();
    EXPECT_EQ(announce()["frames_sent"].get<std::uint64_t>() - frames, 2 * addresses) << announce().dump();
    EXPECT_TRUE(lab_->ping());
}

INSTANTIATE_TEST_SUITE_P(Setups, Failoverd,
                         ::testing::Values(Setup{"bpf", "3dev"}, Setup{"bpf", "hidden"}, Setup{"packet", "3dev"},
                                           Setup{"packet", "hidden"}, Setup{"bpf", "2dev"}),
                         setup_name);

}  // namespace
}  // namespace nf::failoverd::test
