#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "common/error.h"
#include "os/sysctl.h"
#include "os_fixture.h"

namespace nf::os {
namespace {

using Sysctl = testing::TwoNamespaces;

TEST(SysctlPath, MapsDotsAndKeepsSlashes) {
    EXPECT_EQ(sysctl_path("net.ipv6.conf.eth0.disable_ipv6"), "/proc/sys/net/ipv6/conf/eth0/disable_ipv6");
    EXPECT_EQ(sysctl_path("net/ipv6/conf/eth0.100/disable_ipv6"), "/proc/sys/net/ipv6/conf/eth0.100/disable_ipv6");
    EXPECT_THROW(sysctl_path("net/../../etc"), ConfigError);
}

TEST_F(Sysctl, DisableIpv6IsPerNamespaceAndPerThread) {
    Rtnl a = a_.rtnl();
    a.create_veth("nfoss0", "nfoss1", {.peer_netns = &b_.ns()});
    const std::string host_default = read_sysctl("net.ipv6.conf.default.disable_ipv6");

    write_sysctl(a_.ns(), "net.ipv6.conf.nfoss0.disable_ipv6", "1");
    write_sysctl(a_.ns(), "net.ipv6.conf.default.disable_ipv6", "1");
    EXPECT_EQ(read_sysctl(a_.ns(), "net.ipv6.conf.nfoss0.disable_ipv6"), "1");
    EXPECT_EQ(read_sysctl(b_.ns(), "net.ipv6.conf.nfoss1.disable_ipv6"), "0");
    EXPECT_EQ(read_sysctl(b_.ns(), "net.ipv6.conf.default.disable_ipv6"), host_default == "1" ? "1" : "0");
    EXPECT_EQ(read_sysctl("net.ipv6.conf.default.disable_ipv6"), host_default);  // host untouched

    // The interface exists only in its own namespace's /proc/sys view.
    EXPECT_THROW(read_sysctl("net.ipv6.conf.nfoss0.disable_ipv6"), SystemError);

    // Per thread: while this thread is inside a, a thread started earlier (in the host) sees the host value.
    std::promise<void> entered;
    std::promise<std::string> from_other_thread;
    std::thread other([&] {
        entered.get_future().wait();
        from_other_thread.set_value(read_sysctl("net.ipv6.conf.default.disable_ipv6"));
    });
    {
        NetnsScope scope(a_.ns());
        entered.set_value();
        EXPECT_EQ(read_sysctl("net.ipv6.conf.default.disable_ipv6"), "1");
        EXPECT_EQ(from_other_thread.get_future().get(), host_default);
    }
    other.join();
}

}  // namespace
}  // namespace nf::os
