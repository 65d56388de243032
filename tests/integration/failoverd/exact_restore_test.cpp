// Exact restore: `ip -d -j link` and `ip -j addr` (and the routes) of the guest are the same before
// failoverd starts and after it stops, for each model and datapath; also when the daemon that stops is a
// successor of a SIGKILLed one (it adopts, or cleans up, with the record its predecessor left).
//
// Normalised before comparing (and only this):
//   - links and address lists are keyed by name, and `ifindex` is dropped: moving a link into the
//     private namespace and back (hidden model) re-registers it, and the kernel gives it a new ifindex;
//     the order of `ip` output follows the ifindex, hence keying by name.
//   - route lists are sorted: routes of one prefix on two links (fe80::/64) are listed in the order they
//     were made, and the links come up in another order at stop than at set-up;
//   - the DAD state (`tentative`, `dadfailed`) of the kernel's own link-local fe80:: addresses: the
//     standby and the primary share a MAC, so they get the same EUI-64 link-local address on one L2 and
//     the kernel's DAD marks whichever comes up second as failed; which one that is depends on the order
//     they came up in, before and after.
// Counters are not in the output (no -s).
#include <signal.h>

#include <algorithm>
#include <map>

#include "failoverd_fixture.h"

namespace nf::failoverd::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::map<std::string, json> by_name(const json& list) {
    std::map<std::string, json> out;
    for (json item : list) {
        item.erase("ifindex");
        if (item.contains("addr_info"))
            for (auto& a : item["addr_info"])
                if (a.value("scope", "") == "link" && a.value("local", "").rfind("fe80:", 0) == 0) {
                    a.erase("tentative");
                    a.erase("dadfailed");
                }
        out[item.value("ifname", "?")] = item;
    }
    return out;
}

struct Snapshot {
    std::map<std::string, json> links, addrs;
    json routes, routes6;
};

class ExactRestore : public FailoverdFixture {
protected:
    // The guest as a network manager left it: addresses (IPv4 and IPv6 global) on both slaves, the
    // standby's MTU lowered, a static route through the standby, and an IPv6 one through the primary.
    void configure_guest() {
        sh(lab_->in_guest("link set sb0 mtu 1400"));
        sh(lab_->in_guest("addr add 10.77.0.2/24 dev sb0"));
        sh(lab_->in_guest("addr add fd77::2/64 dev sb0 nodad"));
        sh(lab_->in_guest("route add 10.99.0.0/16 via 10.77.0.1"));
        sh(lab_->in_guest("addr add 10.78.0.2/24 brd + dev pr0"));
        sh(lab_->in_guest("addr add fd78::2/64 dev pr0 nodad"));
        sh(lab_->in_guest("-6 route add fd99::/64 via fd78::1 dev pr0 metric 300"));
    }

    // Waits out the kernel's DAD on link-local addresses (a second at most) so both snapshots are settled.
    Snapshot snapshot() {
        wait_until([&] { return sh(lab_->in_guest("-6 addr show tentative -dadfailed")).empty(); }, 5s);
        Snapshot s;
        s.links = by_name(json::parse(sh(lab_->in_guest("-d -j link"))));
        s.addrs = by_name(json::parse(sh(lab_->in_guest("-j addr"))));
        s.routes = json::parse(sh(lab_->in_guest("-j route")));
        s.routes6 = json::parse(sh(lab_->in_guest("-6 -j route")));
        for (json* list : {&s.routes, &s.routes6})
            std::sort(list->begin(), list->end(), [](const json& a, const json& b) { return a.dump() < b.dump(); });
        return s;
    }

    void expect_same(const Snapshot& before, const Snapshot& after) {
        for (const auto& [name, link] : before.links) {
            ASSERT_TRUE(after.links.count(name)) << name << " is gone";
            EXPECT_EQ(link, after.links.at(name)) << "link " << name << " differs:\nbefore " << link.dump()
                                                  << "\nafter  " << after.links.at(name).dump();
        }
        for (const auto& [name, link] : after.links)
            EXPECT_TRUE(before.links.count(name)) << "left behind: " << link.dump();
        for (const auto& [name, addr] : before.addrs)
            EXPECT_EQ(addr, after.addrs.at(name)) << "addresses of " << name << " differ:\nbefore " << addr.dump()
                                                  << "\nafter  " << after.addrs.at(name).dump();
        EXPECT_EQ(before.routes, after.routes) << before.routes.dump() << "\n" << after.routes.dump();
        EXPECT_EQ(before.routes6, after.routes6) << before.routes6.dump() << "\n" << after.routes6.dump();
    }
};

TEST_P(ExactRestore, SigtermPutsBackEveryLinkAsItWas) {
    configure_guest();
    const Snapshot before = snapshot();
    DaemonProcess& d = start();
    ASSERT_EQ(status().value("active", ""), "primary") << d.log();
    d.signal(SIGTERM);
    ASSERT_EQ(d.wait_exit(), 0) << d.log();
    expect_same(before, snapshot());
}

// The successor of a SIGKILLed daemon (bpf: adopts; packet: cleans up and starts afresh) restores what
// the first one found, from the state file: the slaves' addresses were gone long before it started.
TEST_P(ExactRestore, ASuccessorRestoresWhatItsPredecessorFound) {
    configure_guest();
    const Snapshot before = snapshot();
    DaemonProcess& first = start();
    first.signal(SIGKILL);
    ASSERT_TRUE(first.wait_exit());
    DaemonProcess& second = start();
    EXPECT_EQ(status().value("adopted", !bpf()), bpf()) << second.log();
    second.signal(SIGTERM);
    ASSERT_EQ(second.wait_exit(), 0) << second.log();
    expect_same(before, snapshot());
}

INSTANTIATE_TEST_SUITE_P(Setups, ExactRestore,
                         ::testing::Values(Setup{"bpf", "3dev"}, Setup{"bpf", "hidden"}, Setup{"packet", "3dev"},
                                           Setup{"packet", "hidden"}, Setup{"bpf", "2dev"}),
                         setup_name);

}  // namespace
}  // namespace nf::failoverd::test
