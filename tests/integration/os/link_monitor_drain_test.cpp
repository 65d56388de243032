// LinkMonitor::drain() under load and bad input: a storm is read in bounded slices, and a message that
// does not decode is skipped and counted without losing the good events around it.
#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "common/unique_fd.h"
#include "os/link_monitor.h"
#include "os_fixture.h"

namespace nf::os {
namespace {

using Kind = LinkEvent::Kind;

// One namespace, nfk-<pid>-<test>, removed with the fixture.
class LinkMonitorDrain : public ::testing::Test {
protected:
    LinkMonitorDrain()
        : name_("nfk-" + std::to_string(::getpid()) + "-" +
                std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).substr(0, 20)),
          ns_(Netns::create_named(name_)) {}
    ~LinkMonitorDrain() override {
        try {
            Netns::remove_named(name_);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "cleanup of netns " << name_ << ": " << e.what();
        }
    }
    std::string name_;
    Netns ns_;
};

// A too-short RTM_NEWLINK multicast to RTNLGRP_LINK of the calling namespace (CAP_NET_ADMIN may send to
// rtnetlink groups). Without NLM_F_REQUEST the kernel itself ignores it; listeners receive it.
void send_truncated_newlink(const Netns& netns) {
    NetnsScope in(netns);
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    ASSERT_GE(fd.get(), 0);
    struct {
        nlmsghdr hdr;
        std::uint32_t payload;  // shorter than an ifinfomsg
    } msg{};
    msg.hdr.nlmsg_len = sizeof msg;
    msg.hdr.nlmsg_type = RTM_NEWLINK;
    sockaddr_nl to{};
    to.nl_family = AF_NETLINK;
    to.nl_groups = 1u << (RTNLGRP_LINK - 1);
    ASSERT_EQ(::sendto(fd.get(), &msg, sizeof msg, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(sizeof msg))
        << std::strerror(errno);
}

TEST_F(LinkMonitorDrain, StormIsReadInBoundedSlicesWithNothingLost) {
    Rtnl a = Rtnl::in(ns_);
    LinkMonitor monitor = LinkMonitor::in(ns_);
    a.create_veth("nfosd0", "nfosd1");
    for (int i = 0; i < 40; ++i) {
        a.set_up("nfosd0");
        a.set_down("nfosd0");
    }
    a.set_up("nfosd0");
    // One slice holds at most the datagrams asked for; the fd stays readable for the rest.
    ASSERT_TRUE(monitor.wait(std::chrono::seconds(1)));
    const auto slice = monitor.drain(8);
    EXPECT_FALSE(slice.empty());
    EXPECT_LE(slice.size(), 8u);
    EXPECT_TRUE(monitor.wait(std::chrono::milliseconds(0)));
    // Slices put together end with the last change.
    std::vector<LinkEvent> rest;
    for (int slices = 0; slices < 200 && monitor.wait(std::chrono::milliseconds(50)); ++slices)
        for (auto& e : monitor.drain(8)) rest.push_back(e);
    ASSERT_FALSE(rest.empty());
    const LinkEvent* last = nullptr;
    for (const auto& e : rest)
        if (e.kind == Kind::New && e.link.name == "nfosd0") last = &e;
    ASSERT_NE(last, nullptr);
    EXPECT_TRUE(last->link.admin_up);
    EXPECT_EQ(monitor.undecodable(), 0u);
}

TEST_F(LinkMonitorDrain, UndecodableMessageIsSkippedAndCounted) {
    Rtnl a = Rtnl::in(ns_);
    LinkMonitor monitor = LinkMonitor::in(ns_);
    a.create_veth("nfosd0", "nfosd1");
    send_truncated_newlink(ns_);
    a.set_up("nfosd0");
    auto seen = testing::collect_until(monitor, [](const LinkEvent& e) {
        return e.kind == Kind::New && e.link.name == "nfosd0" && e.link.admin_up;
    });
    EXPECT_TRUE(testing::any_of(seen, [](const LinkEvent& e) { return e.link.name == "nfosd1"; }))
        << "events before the bad message were lost";
    EXPECT_TRUE(testing::any_of(seen, [](const LinkEvent& e) { return e.link.name == "nfosd0" && e.link.admin_up; }))
        << "events after the bad message were lost";
    EXPECT_EQ(monitor.undecodable(), 1u);
}

}  // namespace
}  // namespace nf::os
