// A trusted VF in a real guest (issue 13): the e1000e comes with a MAC of its own (not the standby's) and
// QEMU's acpi-index=7, which a QEMU 7.2 q35 guest sees as /sys/bus/pci/devices/<addr>/acpi_index (root
// ports are hot-plugged by ACPI). failoverd pairs it by `--primary-id acpi-index:7`, gives it the standby's
// MAC, and must pass the unplug / re-plug phases within the bounds of MAC pairing
// (failoverd_guest_test.cpp); at stop the e1000e has its own MAC back. One boot, bpf/3dev and packet/hidden.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>

#include "guest_failoverd.h"
#include "guest_fixture.h"
#include "loss_bounds.h"  // the bounds of MAC pairing

namespace nf::vmtest {
namespace {

using Millis = std::chrono::milliseconds;

constexpr const char* kVfOwnMac = "52:54:00:21:90:77";
constexpr unsigned kAcpiIndex = 7;

// The e1000e's netdev name in the guest ("" when none) and its MAC.
const std::string kE1000eName =
    "for d in /sys/class/net/*; do [ \"$(basename \"$(readlink $d/device/driver)\")\" = e1000e ] && basename $d; "
    "done; true";

class TrustedVfGuest : public GuestSuite {
protected:
    static void SetUpTestSuite() {
        boot(GuestKind::failoverd, true, [](QemuOptions& o) {
            o.primary_mac = kVfOwnMac;
            o.primary_acpi_index = kAcpiIndex;
        });
    }
    static void TearDownTestSuite() { shutdown(); }

    void TearDown() override {
        if (vm_ && failoverd_.running()) {
            if (HasFailure()) std::cout << "---- failoverd log ----\n" << GuestFailoverd::log_tail(*vm_);
            stop_failoverd();
        }
        GuestSuite::TearDown();
    }

    std::string e1000e() {
        std::string name = vm().run(kE1000eName).output;
        while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
        return name;
    }
    std::string mac_of(const std::string& name, const std::string& ns_prefix = "") {
        std::string mac = vm().run(ns_prefix + "cat /sys/class/net/" + name + "/address").output;
        while (!mac.empty() && (mac.back() == '\n' || mac.back() == '\r')) mac.pop_back();
        return mac;
    }
    nlohmann::json status() { return GuestFailoverd::status(vm()); }
    bool active_is(const std::string& slot) { return GuestFailoverd::active_is(vm(), slot); }
    bool primary_gone() { return GuestFailoverd::primary_gone(vm()); }
    // The primary's MAC as the guest has it (3dev: in the guest; hidden: in failoverd's namespace).
    std::string primary_mac() {
        const auto s = status();
        if (s.is_null() || !s.contains("primary") || !s["primary"].value("present", false)) return "";
        const std::string name = s["primary"].value("name", "");
        // bpf has a private namespace in both models (for its veth peer); the slaves live there only when hidden.
        const std::string in = s.value("model", "") == "hidden"
                                   ? "/bin/ip netns exec " + s.value("private_netns", std::string()) + " "
                                   : "";
        return mac_of(name, in);
    }

    void start_failoverd(const std::string& datapath, const std::string& model) {
        ASSERT_NO_FATAL_FAILURE(failoverd_.start(vm(),
                                                 "--match-driver virtio_net --primary-id acpi-index:" +
                                                     std::to_string(kAcpiIndex) + " --datapath " + datapath +
                                                     " --model " + model,
                                                 "did not pair the e1000e by its acpi index"));
        const auto s = status();
        EXPECT_EQ(s["pairing"].value("primary_id", ""), "acpi-index:" + std::to_string(kAcpiIndex)) << s.dump();
        ASSERT_EQ(s["pairing"]["taken_addresses"].size(), 1u) << s.dump();
        EXPECT_EQ(s["pairing"]["taken_addresses"][0].value("own", ""), kVfOwnMac);
        EXPECT_EQ(primary_mac(), kGuestMac) << "the e1000e wears the standby's MAC";
        vm().run_ok(std::string("/bin/ip addr add ") + kGuestIp + "/24 dev eth0 && /bin/ip link set eth0 up");
        ASSERT_TRUE(wait_guest_reaches_host()) << "the guest cannot reach " << kHostIp << " within 30 s";
    }

    void stop_failoverd() {
        failoverd_.stop(vm());
        const std::string vf = e1000e();
        ASSERT_FALSE(vf.empty()) << "the e1000e is back in the guest namespace";
        EXPECT_EQ(mac_of(vf), kVfOwnMac) << "its own MAC again after stop";
    }

    void scenario(const std::string& datapath, const std::string& model) {
        const std::string guest = "failoverd " + datapath + "/" + model + " by acpi-index";
        ASSERT_NO_FATAL_FAILURE(start_failoverd(datapath, model));

        PhaseSpec boot{guest, ipv6(), "boot"};
        const PhaseResult booted = run_phase(vm(), net(), boot);
        EXPECT_EQ(booted.to_guest.lost(), 0) << booted.describe();
        EXPECT_EQ(booted.to_host.lost(), 0) << booted.describe();
        EXPECT_EQ(booted.host_port_after, kPrimaryTap) << "traffic must go through the VF";

        PhaseSpec unplug{guest, ipv6(), "unplug"};
        unplug.action = [&] { vm().unplug_primary(); };
        unplug.settled = [&] { return primary_gone(); };
        const PhaseResult unplugged = run_phase(vm(), net(), unplug);
        EXPECT_LE(unplugged.to_guest.lost(), kMaxUnplugLoss) << unplugged.describe();
        EXPECT_LE(unplugged.to_host.lost(), kMaxUnplugLoss) << unplugged.describe();
        EXPECT_EQ(unplugged.host_port_after, kStandbyTap) << "traffic must go through the virtio standby";

        // The re-plugged e1000e comes with its own MAC again: paired by its index, given the standby's.
        PhaseSpec replug{guest, ipv6(), "replug"};
        replug.action = [&] { vm().plug_primary(); };
        replug.settled = [&] { return active_is("primary"); };
        const PhaseResult replugged = run_phase(vm(), net(), replug);
        EXPECT_LE(replugged.to_guest.lost(), kMaxReplugLoss) << replugged.describe();
        EXPECT_LE(replugged.to_host.lost(), kMaxReplugLoss) << replugged.describe();
        EXPECT_EQ(replugged.host_port_after, kPrimaryTap) << "traffic must go through the VF again";
        EXPECT_EQ(primary_mac(), kGuestMac);
        EXPECT_GE(status()["counters"].value("failovers", 0), 2) << status().dump();
    }

    void on_guest_rebooted() override { failoverd_ = GuestFailoverd{}; }

    GuestFailoverd failoverd_;
};

TEST_F(TrustedVfGuest, Bpf3devByAcpiIndex) {
    retry_on_guest_crash([&] { scenario("bpf", "3dev"); });
}
TEST_F(TrustedVfGuest, PacketHiddenByAcpiIndex) {
    retry_on_guest_crash([&] { scenario("packet", "hidden"); });
}

}  // namespace
}  // namespace nf::vmtest
