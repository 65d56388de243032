// UeventMonitor against the real kernel: a netdev created in a namespace of ours sends its `add` uevent to that
// namespace's uevent sockets, which the monitor reads and parses whole; the same message forged by a process
// (root may send to the group) is not the kernel's and is counted, never returned.
#include <gtest/gtest.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "os/netns.h"
#include "os/uevent_monitor.h"
#include "os_fixture.h"

namespace nf::os {
namespace {

using namespace std::string_literals;

// Drains until `done` holds for a message or 3 s pass; everything read.
std::vector<UeventMessage> read_until(UeventMonitor& monitor, const std::function<bool(const UeventMessage&)>& done) {
    std::vector<UeventMessage> seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{monitor.fd(), POLLIN, 0};
        (void)::poll(&p, 1, 50);
        for (auto& m : monitor.drain()) {
            seen.push_back(m);
            if (done(m)) return seen;
        }
    }
    return seen;
}

TEST(UeventMonitor, ReadsTheKernelsMessageForANewNetdev) {
    testing::ScopedNetns ns("uevent-add");
    NetnsScope in(ns.ns());
    UeventMonitor monitor;
    ns.rtnl().create_veth("nfue0", "nfue1");
    const auto seen = read_until(monitor, [](const UeventMessage& m) {
        return m.action == "add" && m.devpath == "/devices/virtual/net/nfue0";
    });
    ASSERT_FALSE(seen.empty());
    const UeventMessage& add = seen.back();
    ASSERT_EQ(add.devpath, "/devices/virtual/net/nfue0") << "no add uevent for the veth within 3 s";
    EXPECT_EQ(add.value("INTERFACE"), "nfue0");
    EXPECT_EQ(add.value("SUBSYSTEM"), "net");
    EXPECT_TRUE(add.value("SEQNUM"));
    EXPECT_GE(monitor.counters().received, 1u);
    EXPECT_EQ(monitor.counters().not_kernel, 0u);
    EXPECT_EQ(monitor.counters().malformed, 0u);
}

TEST(UeventMonitor, AMessageFromAProcessIsNotTheKernels) {
    testing::ScopedNetns ns("uevent-forged");
    NetnsScope in(ns.ns());
    UeventMonitor monitor;
    UniqueFd sender(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT));
    ASSERT_TRUE(sender) << std::strerror(errno);
    sockaddr_nl to{};
    to.nl_family = AF_NETLINK;
    to.nl_groups = 1;
    const std::string forged =
        "remove@/devices/pci0000:00/0000:00:02.1/0000:02:00.0/ptp/ptp0\0ACTION=remove\0SUBSYSTEM=ptp\0"s;
    ASSERT_EQ(::sendto(sender.get(), forged.data(), forged.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
              static_cast<ssize_t>(forged.size()))
        << std::strerror(errno);
    // The forged message, and then a real one to know the forged one has been read (in order).
    ns.rtnl().create_veth("nfuf0", "nfuf1");
    const auto seen = read_until(monitor, [](const UeventMessage& m) { return m.devpath == "/devices/virtual/net/nfuf0"; });
    for (const auto& m : seen) EXPECT_EQ(m.devpath.find("ptp"), std::string::npos) << "a forged message was returned";
    EXPECT_EQ(monitor.counters().not_kernel, 1u);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().devpath, "/devices/virtual/net/nfuf0");
}

}  // namespace
}  // namespace nf::os
