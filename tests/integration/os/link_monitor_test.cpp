#include <gtest/gtest.h>

#include "os/link_monitor.h"
#include "os_fixture.h"

namespace nf::os {
namespace {

using LinkEvents = testing::TwoNamespaces;
using testing::any_of;
using testing::collect_until;
using Kind = LinkEvent::Kind;

auto is(Kind kind, const std::string& name, std::function<bool(const LinkInfo&)> pred = {}) {
    return [=](const LinkEvent& e) { return e.kind == kind && e.link.name == name && (!pred || pred(e.link)); };
}

TEST_F(LinkEvents, UpDownAndPeerCarrier) {
    Rtnl a = a_.rtnl();
    LinkMonitor monitor = LinkMonitor::in(a_.ns());
    a.create_veth("nfosm0", "nfosm1");
    bool saw0 = false, saw1 = false;
    auto seen = collect_until(monitor, [&](const LinkEvent& e) {
        saw0 |= is(Kind::New, "nfosm0")(e);
        saw1 |= is(Kind::New, "nfosm1")(e);
        return saw0 && saw1;
    });
    EXPECT_TRUE(saw0 && saw1);

    a.set_up("nfosm1");
    a.set_up("nfosm0");
    seen = collect_until(monitor, is(Kind::New, "nfosm0", [](const LinkInfo& l) { return l.running && l.carrier; }));
    ASSERT_FALSE(seen.empty());
    EXPECT_TRUE(seen.back().link.lower_up);

    // Our side down: NEWLINK with IFF_UP and IFF_RUNNING cleared.
    a.set_down("nfosm0");
    seen = collect_until(monitor, is(Kind::New, "nfosm0", [](const LinkInfo& l) { return !l.admin_up; }));
    ASSERT_FALSE(seen.empty());
    EXPECT_FALSE(seen.back().link.running);
    a.set_up("nfosm0");
    collect_until(monitor, is(Kind::New, "nfosm0", [](const LinkInfo& l) { return l.running; }));

    // Peer down: our carrier goes while we stay admin up; peer up: it returns.
    a.set_down("nfosm1");
    seen = collect_until(monitor, is(Kind::New, "nfosm0", [](const LinkInfo& l) { return !l.carrier; }));
    ASSERT_FALSE(seen.empty());
    EXPECT_TRUE(seen.back().link.admin_up);
    EXPECT_FALSE(seen.back().link.running);
    EXPECT_FALSE(seen.back().link.lower_up);
    a.set_up("nfosm1");
    seen = collect_until(monitor, is(Kind::New, "nfosm0", [](const LinkInfo& l) { return l.carrier && l.running; }));
    ASSERT_FALSE(seen.empty());
    EXPECT_LE(seen.back().received, std::chrono::steady_clock::now());
}

TEST_F(LinkEvents, MoveShowsDelInSourceAndNewInTarget) {
    Rtnl a = a_.rtnl();
    LinkMonitor in_a = LinkMonitor::in(a_.ns());
    LinkMonitor in_b = LinkMonitor::in(b_.ns());
    const LinkInfo vf = a.create_veth("nfosvf0", "nfosvf0h", {.mac = *MacAddress::parse("02:00:00:0f:01:02")});
    a.set_up("nfosvf0h");
    a.set_up("nfosvf0");
    collect_until(in_a, is(Kind::New, "nfosvf0", [](const LinkInfo& l) { return l.running; }));

    a.move_to_netns("nfosvf0", b_.ns());
    auto seen_a = collect_until(in_a, is(Kind::Del, "nfosvf0"));
    ASSERT_TRUE(any_of(seen_a, is(Kind::Del, "nfosvf0")));
    // The earliest signal precedes the DELLINK: the device is closed (IFF_UP cleared) first.
    EXPECT_TRUE(any_of(seen_a, is(Kind::New, "nfosvf0", [](const LinkInfo& l) { return !l.admin_up; })));
    EXPECT_TRUE(seen_a.back().link.new_netnsid.has_value());

    auto seen_b = collect_until(in_b, is(Kind::New, "nfosvf0"));
    ASSERT_TRUE(any_of(seen_b, is(Kind::New, "nfosvf0")));
    EXPECT_EQ(seen_b.back().link.mac, *MacAddress::parse("02:00:00:0f:01:02"));
    EXPECT_EQ(seen_b.back().link.kind, "veth");

    // Deleting the host end kills the pair: DELLINK in b.
    a.delete_link("nfosvf0h");
    auto gone = collect_until(in_b, is(Kind::Del, "nfosvf0"));
    ASSERT_TRUE(any_of(gone, is(Kind::Del, "nfosvf0")));
    EXPECT_FALSE(gone.back().link.new_netnsid.has_value());
    EXPECT_TRUE(any_of(collect_until(in_a, is(Kind::Del, "nfosvf0h")), is(Kind::Del, "nfosvf0h")));
    (void)vf;
}

// Enslaving to a bridge and releasing emit AF_BRIDGE RTM_NEWLINK / RTM_DELLINK for the port (no carrier,
// no MTU limits). They are not link events: no fake carrier loss, no fake unplug.
TEST_F(LinkEvents, BridgePortMessagesAreNotLinkEvents) {
    Rtnl a = a_.rtnl();
    a.create_veth("nfosbp0", "nfosbp1");
    const int br = a.create_bridge("nfosbr0").ifindex;
    a.set_up("nfosbp1");
    a.set_up("nfosbp0");
    LinkMonitor monitor = LinkMonitor::in(a_.ns());
    collect_until(monitor, is(Kind::New, "nfosbp0", [](const LinkInfo& l) { return l.carrier && l.running; }),
                  std::chrono::milliseconds(300));
    (void)monitor.drain();

    a.set_master("nfosbp0", br);
    a.set_up("nfosbr0");
    a.clear_master("nfosbp0");
    a.set_mtu("nfosbp0", 1400);  // a marker: everything before it has been delivered once it shows up
    const auto seen = collect_until(monitor, is(Kind::New, "nfosbp0", [](const LinkInfo& l) { return l.mtu == 1400; }));
    ASSERT_TRUE(any_of(seen, is(Kind::New, "nfosbp0", [](const LinkInfo& l) { return l.mtu == 1400; })));
    EXPECT_TRUE(any_of(seen, is(Kind::New, "nfosbp0", [&](const LinkInfo& l) { return l.master == br; })));
    for (const LinkEvent& e : seen) {
        if (e.link.name != "nfosbp0") continue;
        EXPECT_EQ(e.kind, Kind::New);
        EXPECT_TRUE(e.link.carrier) << "fake carrier loss";
        EXPECT_TRUE(e.link.admin_up);
        EXPECT_GT(e.link.max_mtu, 0u) << "a per-family message was decoded as a link";
    }
}

TEST_F(LinkEvents, OverrunIsReportedAndResyncDumps) {
    Rtnl a = a_.rtnl();
    LinkMonitor monitor = LinkMonitor::in(a_.ns(), 2048);  // tiny buffer: a burst must overflow it
    for (int i = 0; i < 20; ++i) a.create_veth("nfoso" + std::to_string(i), "nfosop" + std::to_string(i));
    auto events = monitor.drain();
    EXPECT_TRUE(any_of(events, [](const LinkEvent& e) { return e.kind == Kind::Overrun; }));
    EXPECT_TRUE(monitor.resync_needed());
    const auto links = monitor.resync();
    EXPECT_FALSE(monitor.resync_needed());
    int ours = 0;
    for (const auto& l : links) ours += l.name.rfind("nfoso", 0) == 0;
    EXPECT_EQ(ours, 40);
}

}  // namespace
}  // namespace nf::os
