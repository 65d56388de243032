// The kernel's uevent messages (os/uevent_message.h) and the decision built on them: "is this removal the
// primary leaving" (failoverd/primary_leave.h), with the parent's DEVPATH read from a fake sysfs tree.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "failoverd/pci_sysfs.h"
#include "failoverd/primary_leave.h"
#include "os/uevent_message.h"
#include "temp_dir.h"

namespace nf::daemon {
namespace {

using namespace std::string_literals;
using os::parse_uevent;
using os::UeventRefusal;

const std::string kVf = "/devices/pci0000:00/0000:00:02.1/0000:02:00.0";

// What e1000e_remove's first step sends: its PTP clock under the PCI function goes.
const std::string kPtpRemove = "remove@" + kVf + "/ptp/ptp0\0ACTION=remove\0DEVPATH="s + kVf +
                               "/ptp/ptp0\0SUBSYSTEM=ptp\0MAJOR=246\0MINOR=0\0DEVNAME=ptp0\0SEQNUM=1795\0"s;

TEST(UeventMessage, AKernelMessageParsesWhole) {
    const auto p = parse_uevent(kPtpRemove);
    ASSERT_TRUE(p.message) << os::to_string(p.refusal);
    EXPECT_EQ(p.refusal, UeventRefusal::none);
    EXPECT_EQ(p.message->action, "remove");
    EXPECT_EQ(p.message->devpath, kVf + "/ptp/ptp0");
    EXPECT_EQ(p.message->variables.size(), 7u);
    EXPECT_EQ(p.message->value("SUBSYSTEM"), "ptp");
    EXPECT_EQ(p.message->value("SEQNUM"), "1795");
    EXPECT_EQ(p.message->value("DEVNAME"), "ptp0");
    EXPECT_FALSE(p.message->value("INTERFACE"));
}

TEST(UeventMessage, AHeaderAloneAndAnEmptyValueAreKernelShapes) {
    const auto bare = parse_uevent("add@/devices/virtual/misc/tun\0"s);
    ASSERT_TRUE(bare.message);
    EXPECT_TRUE(bare.message->variables.empty());
    const auto empty_value = parse_uevent("change@/devices/x\0ACTION=change\0DRIVER=\0"s);
    ASSERT_TRUE(empty_value.message);
    EXPECT_EQ(empty_value.message->value("DRIVER"), "");
}

TEST(UeventMessage, UdevsRebroadcastIsRefused) {
    // udevd's own format: "libudev\0", a magic number, header sizes, the properties.
    const std::string udev = "libudev\0\xfe\xed\xca\xfe\x28\0\0\0ACTION=remove\0DEVPATH=/devices/x\0"s;
    const auto p = parse_uevent(udev);
    EXPECT_FALSE(p.message);
    EXPECT_EQ(p.refusal, UeventRefusal::from_udev);
}

TEST(UeventMessage, TruncatedOrUnterminatedIsRefused) {
    EXPECT_EQ(parse_uevent(kPtpRemove.substr(0, kPtpRemove.size() - 1)).refusal, UeventRefusal::no_terminator);
    EXPECT_EQ(parse_uevent(kPtpRemove.substr(0, 40)).refusal, UeventRefusal::no_terminator);
    EXPECT_EQ(parse_uevent("remove@/devices/pci0000:00").refusal, UeventRefusal::no_terminator);  // no NUL at all
    EXPECT_EQ(parse_uevent("").refusal, UeventRefusal::empty);
}

TEST(UeventMessage, OversizedIsRefused) {
    std::string big = "add@/devices/x\0"s;
    while (big.size() <= os::kMaxUeventBytes) big += "K=" + std::string(100, 'v') + '\0';
    EXPECT_EQ(parse_uevent(big).refusal, UeventRefusal::oversized);
    std::string many = "add@/devices/x\0"s;
    for (std::size_t i = 0; i <= os::kMaxUeventVariables; ++i) many += "K=v\0"s;
    ASSERT_LE(many.size(), os::kMaxUeventBytes);
    EXPECT_EQ(parse_uevent(many).refusal, UeventRefusal::too_many_variables);
}

TEST(UeventMessage, BadShapesAreRefusedWithTheirReason) {
    EXPECT_EQ(parse_uevent("remove/devices/x\0"s).refusal, UeventRefusal::bad_header);
    EXPECT_EQ(parse_uevent("@/devices/x\0"s).refusal, UeventRefusal::bad_header);
    EXPECT_EQ(parse_uevent("re\nmove@/devices/x\0"s).refusal, UeventRefusal::bad_header);
    EXPECT_EQ(parse_uevent("remove@\0"s).refusal, UeventRefusal::bad_devpath);
    EXPECT_EQ(parse_uevent("remove@devices/x\0"s).refusal, UeventRefusal::bad_devpath);
    EXPECT_EQ(parse_uevent(("remove@" + kVf + "/../0000:03:00.0/ptp/ptp0\0"s)).refusal, UeventRefusal::bad_devpath);
    EXPECT_EQ(parse_uevent(("remove@" + kVf + "/./ptp\0"s)).refusal, UeventRefusal::bad_devpath);
    EXPECT_EQ(parse_uevent(("remove@" + kVf + "//ptp\0"s)).refusal, UeventRefusal::bad_devpath);
    EXPECT_EQ(parse_uevent(("remove@" + kVf + "/\0"s)).refusal, UeventRefusal::bad_devpath);
    EXPECT_EQ(parse_uevent("remove@/devices/x\0NOEQUALS\0"s).refusal, UeventRefusal::bad_variable);
    EXPECT_EQ(parse_uevent("remove@/devices/x\0=v\0"s).refusal, UeventRefusal::bad_variable);
    EXPECT_EQ(parse_uevent("remove@/devices/x\0\0"s).refusal, UeventRefusal::bad_variable);
    EXPECT_EQ(parse_uevent("remove@/devices/x\0ACTION=add\0"s).refusal, UeventRefusal::mismatch);
    EXPECT_EQ(parse_uevent("remove@/devices/x\0DEVPATH=/devices/y\0"s).refusal, UeventRefusal::mismatch);
}

PrimaryDevice vf() { return {kVf}; }

TEST(PrimaryLeave, ARemovalUnderThePrimarysFunctionAnnouncesIt) {
    EXPECT_TRUE(announces_primary_leaving(vf(), "remove", kVf + "/ptp/ptp0"));
    EXPECT_TRUE(announces_primary_leaving(vf(), "remove", kVf + "/hwmon/hwmon3"));
    EXPECT_TRUE(announces_primary_leaving(vf(), "remove", kVf + "/aux/mlx5_core.eth.0"));
}

// Removals that happen while the driver stays: a netdev of the function moving to another namespace (the
// hidden model moves the primary; a second port's netdev), Wake-on-LAN turned off (its wakeup source).
TEST(PrimaryLeave, NetdevsAndWakeupSourcesOfTheFunctionAreNotADriverRemoval) {
    EXPECT_FALSE(announces_primary_leaving(vf(), "remove", kVf + "/net/ens12"));
    EXPECT_FALSE(announces_primary_leaving(vf(), "remove", kVf + "/wakeup/wakeup3"));
    EXPECT_TRUE(announces_primary_leaving(vf(), "remove", kVf + "/wakeupx/y"));  // a component, not a prefix
}

TEST(PrimaryLeave, OtherActionsAndOtherDevicesDoNot) {
    EXPECT_FALSE(announces_primary_leaving(vf(), "add", kVf + "/ptp/ptp0"));
    EXPECT_FALSE(announces_primary_leaving(vf(), "change", kVf + "/ptp/ptp0"));
    EXPECT_FALSE(announces_primary_leaving(vf(), "unbind", kVf));
    // The function itself (its netdev is gone by then), a sibling, a parent.
    EXPECT_FALSE(announces_primary_leaving(vf(), "remove", kVf));
    EXPECT_FALSE(announces_primary_leaving(vf(), "remove", kVf + "0/ptp/ptp0"));          // 0000:02:00.00: not under
    EXPECT_FALSE(announces_primary_leaving(vf(), "remove", "/devices/pci0000:00/0000:00:02.2/0000:03:00.0/ptp/ptp1"));
    EXPECT_FALSE(announces_primary_leaving(vf(), "remove", "/devices/pci0000:00/0000:00:02.1"));
    EXPECT_FALSE(announces_primary_leaving(vf(), "remove", "/devices/virtual/net/veth0"));
}

TEST(PrimaryLeave, ThePrimarysOwnNetdevAndItsQueuesAreNotNews) {
    EXPECT_FALSE(announces_primary_leaving(vf(), "remove", kVf + "/net/ens11"));
    EXPECT_FALSE(announces_primary_leaving(vf(), "remove", kVf + "/net/ens11/queues/rx-0"));
    EXPECT_FALSE(announces_primary_leaving(vf(), "remove", kVf + "/net/ens110"));  // any netdev of the function
}

TEST(PrimaryLeave, NoParentWatchesNothing) {
    EXPECT_FALSE(announces_primary_leaving({""}, "remove", "/devices/virtual/net/veth0/queues/rx-0"));
    EXPECT_FALSE(announces_primary_leaving({""}, "remove", "/ptp"));
    EXPECT_FALSE(announces_primary_leaving({"/"}, "remove", "/devices/x"));
    EXPECT_FALSE(announces_primary_leaving({kVf + "/"}, "remove", kVf + "/ptp/ptp0"));
}

TEST(PrimaryLeave, TheParentsDevpathIsWhereSysfsReallyHasIt) {
    test::TempDir sys;
    namespace fs = std::filesystem;
    const fs::path device = sys.path() / ("devices/pci0000:00/0000:00:02.1/0000:02:00.0");
    fs::create_directories(device / "ptp" / "ptp0");
    fs::create_directories(sys.path() / "bus/pci/devices");
    fs::create_directory_symlink("../../../devices/pci0000:00/0000:00:02.1/0000:02:00.0",
                                 sys.path() / "bus/pci/devices/0000:02:00.0");
    const PciSysfs sysfs(sys.path());
    EXPECT_EQ(sysfs.devpath("0000:02:00.0"), kVf);
    EXPECT_FALSE(sysfs.devpath("0000:03:00.0"));  // not there (gone)
    EXPECT_FALSE(sysfs.devpath("../../etc"));     // not an address
    // A link out of the tree is not a device of it.
    fs::create_directory_symlink("/tmp", sys.path() / "bus/pci/devices/0000:04:00.0");
    EXPECT_FALSE(sysfs.devpath("0000:04:00.0"));
    // The decision with what sysfs said, on the message the kernel sends.
    const auto message = parse_uevent(kPtpRemove).message;
    ASSERT_TRUE(message);
    EXPECT_TRUE(announces_primary_leaving({*sysfs.devpath("0000:02:00.0")}, message->action, message->devpath));
}

using Clock = PrimaryLeaveWatch::Clock;
const failover::NetdevKey kPrimary{7, 4};
const std::string kPtp = kVf + "/ptp/ptp0";

TEST(PrimaryLeaveWatch, AnnouncesOncePerLeavingAndSetsTheBound) {
    PrimaryLeaveWatch watch(std::chrono::seconds(5));
    const auto t0 = Clock::time_point{} + std::chrono::hours(1);
    EXPECT_FALSE(watch.deadline());
    ASSERT_TRUE(watch.on_uevent(vf(), kPrimary, false, "remove", kPtp, t0));
    EXPECT_EQ(watch.announced(), 1u);
    EXPECT_EQ(watch.deadline(), t0 + std::chrono::seconds(5));
    // The next removals of the same teardown (hwmon, ...) find the removal under way: not counted again.
    EXPECT_FALSE(watch.on_uevent(vf(), kPrimary, true, "remove", kVf + "/hwmon/hwmon1", t0));
    EXPECT_EQ(watch.announced(), 1u);
}

TEST(PrimaryLeaveWatch, NothingToDoWithoutAPrimaryDeviceOrUnderAnEject) {
    PrimaryLeaveWatch watch;
    const auto now = Clock::now();
    EXPECT_FALSE(watch.on_uevent(std::nullopt, kPrimary, false, "remove", kPtp, now));  // a veth: no parent
    EXPECT_FALSE(watch.on_uevent(vf(), kPrimary, true, "remove", kPtp, now));          // the channel's eject
    EXPECT_FALSE(watch.on_uevent(vf(), kPrimary, false, "add", kPtp, now));
    EXPECT_EQ(watch.announced(), 0u);
    EXPECT_FALSE(watch.deadline());
}

TEST(PrimaryLeaveWatch, APrimaryThatWentEndsTheWatchQuietly) {
    PrimaryLeaveWatch watch;
    ASSERT_TRUE(watch.on_uevent(vf(), kPrimary, false, "remove", kPtp, Clock::now()));
    EXPECT_FALSE(watch.expire(std::nullopt, false));  // released: the core dropped the removal with it
    EXPECT_EQ(watch.expired(), 0u);
    EXPECT_FALSE(watch.deadline());
    // A new primary plugged in its place (same PCI address, new ifindex) is not the one announced.
    ASSERT_TRUE(watch.on_uevent(vf(), kPrimary, false, "remove", kPtp, Clock::now()));
    EXPECT_FALSE(watch.expire(failover::NetdevKey{7, 9}, false));
    EXPECT_EQ(watch.expired(), 0u);
}

TEST(PrimaryLeaveWatch, APrimaryStillThereAtTheBoundIsEligibleAgain) {
    PrimaryLeaveWatch watch;
    ASSERT_TRUE(watch.on_uevent(vf(), kPrimary, false, "remove", kPtp, Clock::now()));
    EXPECT_TRUE(watch.expire(kPrimary, true));
    EXPECT_EQ(watch.expired(), 1u);
    EXPECT_FALSE(watch.deadline());
    EXPECT_FALSE(watch.expire(kPrimary, true)) << "expired once";
    // Its removal cancelled by someone else meanwhile (the channel's eject_cancel): nothing to undo.
    ASSERT_TRUE(watch.on_uevent(vf(), kPrimary, false, "remove", kPtp, Clock::now()));
    EXPECT_FALSE(watch.expire(kPrimary, false));
    EXPECT_EQ(watch.expired(), 1u);
    EXPECT_EQ(watch.announced(), 2u);
}

}  // namespace
}  // namespace nf::daemon
