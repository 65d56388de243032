// A veth end must never share its ifindex with its peer (possible across namespaces): linkwatch would take
// it for a physical NIC and report its carrier changes at most once a second.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "os/link_monitor.h"
#include "os/netns.h"
#include "os/rtnl.h"
#include "os_fixture.h"

namespace nf::os {
namespace {

using namespace std::chrono_literals;
using testing::collect_until;

// A fresh named namespace nfy-<pid>-<tag>, removed with the object.
class FreshNetns {
public:
    explicit FreshNetns(const std::string& tag) : name_("nfy-" + std::to_string(::getpid()) + "-" + tag) {
        if (Netns::named_exists(name_)) Netns::remove_named(name_);  // a dead process that had our pid
        ns_.emplace(Netns::create_named(name_));
    }
    ~FreshNetns() {
        try {
            Netns::remove_named(name_);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "cleanup of netns " << name_ << ": " << e.what();
        }
    }
    const Netns& ns() const { return *ns_; }
    Rtnl rtnl() const { return Rtnl::in(*ns_); }

private:
    std::string name_;
    std::optional<Netns> ns_;
};

TEST(VethIfindex, CreateWithPeerElsewhereNeverSharesTheIfindex) {
    FreshNetns here("create-a"), there("create-b");  // fresh: both would number their first link 2
    Rtnl rtnl = here.rtnl();
    const LinkInfo own = rtnl.create_veth("nfyc0", "nfyc1", {.peer_netns = &there.ns()});
    const LinkInfo peer = there.rtnl().link("nfyc1");
    EXPECT_NE(own.ifindex, peer.ifindex);
    EXPECT_EQ(own.iflink, peer.ifindex);
    EXPECT_EQ(peer.iflink, own.ifindex);
}

TEST(VethIfindex, MoveAvoidsThePeersIfindexAndCarrierChangesAreImmediate) {
    FreshNetns origin("move-x"), peer_ns("move-z"), target("move-y");
    Rtnl x = origin.rtnl();
    const int index = x.create_veth("nfym0", "nfym1").ifindex;
    // Built on purpose: the peer takes nfym0's number in its namespace, and nfym0's own number is free in
    // the fresh target, so a plain move would keep it and collide.
    x.move_to_netns_as("nfym1", peer_ns.ns(), index);
    Rtnl z = peer_ns.rtnl();
    ASSERT_EQ(z.link("nfym1").ifindex, index);

    x.move_to_netns("nfym0", target.ns());
    Rtnl y = target.rtnl();
    const LinkInfo moved = y.link("nfym0");
    EXPECT_NE(moved.ifindex, index);
    EXPECT_EQ(moved.iflink, index);
    EXPECT_EQ(z.link("nfym1").iflink, moved.ifindex);

    LinkMonitor monitor = LinkMonitor::in(target.ns());
    z.set_up("nfym1");
    y.set_up("nfym0");
    auto carrier = [](bool on) {
        return [on](const LinkEvent& e) { return e.link.name == "nfym0" && e.link.carrier == on && e.link.admin_up; };
    };
    ASSERT_FALSE(collect_until(monitor, carrier(true)).empty());
    // Several cycles within a second: with the quirk all but the first carrier loss wait for linkwatch's
    // once-a-second run.
    for (int cycle = 0; cycle < 4; ++cycle) {
        (void)monitor.drain();
        const auto start = std::chrono::steady_clock::now();
        z.set_down("nfym1");
        const auto seen = collect_until(monitor, carrier(false), 2s);
        ASSERT_FALSE(seen.empty() || !carrier(false)(seen.back())) << "cycle " << cycle << ": no carrier loss";
        EXPECT_LT(seen.back().received - start, 100ms)
            << "cycle " << cycle << ": carrier loss after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(seen.back().received - start).count() << " ms";
        z.set_up("nfym1");
        const auto back = collect_until(monitor, carrier(true), 2s);
        ASSERT_FALSE(back.empty() || !carrier(true)(back.back())) << "cycle " << cycle << ": no carrier";
    }
}

}  // namespace
}  // namespace nf::os
