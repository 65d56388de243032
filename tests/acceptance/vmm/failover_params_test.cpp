// QEMU's virtio-net-failover qtests, rows 1-11 of spec qemu-failover.md §2, and acceptance scenarios 1-13
// of §7, against the real failover-vmm: "present" is query-pci (as the qtests) AND the netdev in the VM.
#include <gtest/gtest.h>

#include "device/features.h"
#include "test_guest.h"
#include "vmm_fixture.h"

namespace nf::vmm::test {
namespace {

using nlohmann::json;

class FailoverParams : public ::testing::Test {
protected:
    std::vector<std::string> args(std::initializer_list<std::string> devices) {
        auto a = base_arguments(lab);
        for (const auto& d : devices) {
            a.push_back("--device");
            a.push_back(d);
        }
        return a;
    }
    static json standby_json(bool failover = true) {
        return {{"driver", "virtio-net-pci"}, {"id", "standby0"}, {"netdev", "hn0"}, {"mac", kVmMac},
                {"failover", failover}, {"bus", "root0"}, {"ifname", "eth0"}};
    }
    static json primary_json(const std::string& pair = "standby0") {
        return {{"driver", "vfio-pci"}, {"id", "primary0"}, {"host", "vf-vm1g"}, {"failover_pair_id", pair},
                {"bus", "root1"}, {"ifname", "ens4"}};
    }
    // The VF is in the VM as ens4 with the VM's MAC (and so no longer on the host).
    void expect_vf_in_vm() {
        ASSERT_TRUE(lab.wait_guest_link("ens4", true)) << "ens4 never appeared in the VM";
        EXPECT_EQ(lab.link(lab.guest_ns(), "ens4")->value("address", ""), kVmMac);
        EXPECT_FALSE(lab.in_host("vf-vm1g"));
    }
    void expect_vf_on_host() {
        EXPECT_FALSE(lab.in_guest("ens4"));
        EXPECT_TRUE(lab.in_host("vf-vm1g"));
    }

    VmmLab lab;
};

// Row 1 / scenario 1.
TEST_F(FailoverParams, Row1_ErrorId_PrimaryWithoutIdIsRefused) {
    VmmProcess vmm(lab, args({standby_device()}));
    auto qmp = vmm.qmp();
    json primary = primary_json();
    primary.erase("id");
    EXPECT_EQ(error_of(qmp, "device_add", primary), "Device with failover_pair_id needs to have id");
    expect_vf_on_host();
}

// QEMU's order (issue 9, defect 8): the standby's hiding hook refuses the missing id before vfio-pci's
// own check of host= (ours: the VF's host end) is reached.
TEST_F(FailoverParams, Row1_ErrorId_ReportedBeforeTheMissingHost) {
    VmmProcess vmm(lab, args({standby_device()}));
    auto qmp = vmm.qmp();
    json primary = primary_json();
    primary.erase("id");
    primary.erase("host");
    EXPECT_EQ(error_of(qmp, "device_add", primary), "Device with failover_pair_id needs to have id");
    primary["id"] = "primary0";
    EXPECT_EQ(error_of(qmp, "device_add", primary),
              "vfio-pci: no host device: use host=IF (the VF's host end, a veth in the VMM's namespace)");
    expect_vf_on_host();
}

// Row 2 / scenario 2.
TEST_F(FailoverParams, Row2_ErrorPcie_NonHotpluggableBusIsRefused) {
    VmmProcess vmm(lab, args({standby_device()}));
    auto qmp = vmm.qmp();
    json primary = primary_json();
    primary["bus"] = "pcie.0";
    EXPECT_EQ(error_of(qmp, "device_add", primary), "Bus 'pcie.0' does not support hotplugging");
    expect_vf_on_host();
}

// Row 3 / scenario 3.
TEST_F(FailoverParams, Row3_On_PrimaryAfterStandbyIsHiddenAtBoot) {
    VmmProcess vmm(lab, args({standby_device(), primary_device()}));
    auto qmp = vmm.qmp();
    EXPECT_TRUE(pci_present(qmp, "standby0"));
    EXPECT_FALSE(pci_present(qmp, "primary0"));
    EXPECT_TRUE(lab.in_guest("eth0"));
    EXPECT_EQ(lab.link(lab.guest_ns(), "eth0")->value("address", ""), kVmMac);
    expect_vf_on_host();
}

// Row 4 / scenario 4.
TEST_F(FailoverParams, Row4_OnMismatch_UnpairedPrimaryIsANormalDevice) {
    VmmProcess vmm(lab, args({standby_device(), primary_device().replace(primary_device().find("standby0"), 8, "standby1")}));
    auto qmp = vmm.qmp();
    EXPECT_TRUE(pci_present(qmp, "standby0"));
    EXPECT_TRUE(pci_present(qmp, "primary0"));
    expect_vf_in_vm();
    auto guest = TestGuest::connect(lab.channel_path());
    guest.start_driver("standby0");
    const auto event = qmp.wait_event("FAILOVER_NEGOTIATED", 3s);
    ASSERT_TRUE(event);
    EXPECT_EQ(event->data["device-id"], "standby0");
    EXPECT_TRUE(pci_present(qmp, "standby0"));
    EXPECT_TRUE(pci_present(qmp, "primary0"));
}

// Row 5 / scenario 5.
TEST_F(FailoverParams, Row5_Off_NoStandbyOfferNoEventBothPresent) {
    VmmProcess vmm(lab, args({standby_device().replace(standby_device().find("failover=on"), 11, "failover=off"),
                              primary_device()}));
    auto qmp = vmm.qmp();
    EXPECT_TRUE(pci_present(qmp, "standby0"));
    EXPECT_TRUE(pci_present(qmp, "primary0"));
    expect_vf_in_vm();
    auto guest = TestGuest::connect(lab.channel_path());
    EXPECT_EQ(guest.offered("standby0") & device::kFeatureStandby, 0u) << "STANDBY offered with failover=off";
    guest.start_driver("standby0");
    EXPECT_TRUE(no_event(qmp, "FAILOVER_NEGOTIATED"));
    EXPECT_TRUE(pci_present(qmp, "primary0"));
}

// Row 6 / scenario 6.
TEST_F(FailoverParams, Row6_Enabled_AckPlugsThePrimary) {
    VmmProcess vmm(lab, args({standby_device(), primary_device()}));
    auto qmp = vmm.qmp();
    EXPECT_FALSE(pci_present(qmp, "primary0"));
    auto guest = TestGuest::connect(lab.channel_path());
    EXPECT_NE(guest.offered("standby0") & device::kFeatureStandby, 0u);
    guest.start_driver("standby0");
    const auto event = qmp.wait_event("FAILOVER_NEGOTIATED", 3s);
    ASSERT_TRUE(event);
    EXPECT_EQ(event->data, (json{{"device-id", "standby0"}}));
    EXPECT_TRUE(pci_present(qmp, "primary0"));
    const auto plugged = guest.wait<channel::Plugged>();
    ASSERT_TRUE(plugged);
    EXPECT_EQ(plugged->device.id, "primary0");
    EXPECT_EQ(plugged->device.mac, kVmMac);
    expect_vf_in_vm();
}

// Row 7 / scenario 7, and a guest that never connects at all.
TEST_F(FailoverParams, Row7_GuestOff_GuestThatDoesNotAckNeverSeesTheVf) {
    VmmProcess vmm(lab, args({standby_device(), primary_device()}));
    auto qmp = vmm.qmp();
    std::this_thread::sleep_for(300ms);  // a guest that never connects
    EXPECT_FALSE(lab.in_guest("ens4"));
    auto guest = TestGuest::connect(lab.channel_path());
    guest.start_driver("standby0", /*accept_standby=*/false);
    EXPECT_TRUE(no_event(qmp, "FAILOVER_NEGOTIATED", 500ms));
    EXPECT_FALSE(pci_present(qmp, "primary0"));
    EXPECT_FALSE(guest.wait<channel::Plugged>(200ms));
    expect_vf_on_host();
    EXPECT_EQ(lab.link_names(lab.guest_ns()), (std::vector<std::string>{"lo", "eth0"}));
}

// Row 8 / scenarios 8 and 10 (primary hot-added after negotiation is visible at once).
TEST_F(FailoverParams, Row8_Hotplug1_PrimaryAddedAfterNegotiationPlugsAtOnce) {
    VmmProcess vmm(lab, args({standby_device()}));
    auto qmp = vmm.qmp();
    auto guest = TestGuest::connect(lab.channel_path());
    guest.start_driver("standby0");
    ASSERT_TRUE(qmp.wait_event("FAILOVER_NEGOTIATED", 3s));
    EXPECT_FALSE(pci_present(qmp, "primary0"));
    EXPECT_FALSE(lab.in_guest("ens4"));
    qmp.execute_ok("device_add", primary_json());
    EXPECT_TRUE(pci_present(qmp, "primary0"));
    expect_vf_in_vm();
    EXPECT_TRUE(guest.wait<channel::Plugged>());
}

// Row 9 / scenario 9.
TEST_F(FailoverParams, Row9_Hotplug1Reverse_PrimaryBeforeStandbyStaysPlugged) {
    VmmProcess vmm(lab, args({primary_device()}));
    auto qmp = vmm.qmp();
    EXPECT_TRUE(pci_present(qmp, "primary0"));
    expect_vf_in_vm();
    qmp.execute_ok("device_add", standby_json());
    EXPECT_TRUE(pci_present(qmp, "standby0"));
    EXPECT_TRUE(pci_present(qmp, "primary0"));
    ASSERT_TRUE(lab.wait_guest_link("eth0", true));
    auto guest = TestGuest::connect(lab.channel_path());
    guest.start_driver("standby0");
    ASSERT_TRUE(qmp.wait_event("FAILOVER_NEGOTIATED", 3s));
    EXPECT_TRUE(pci_present(qmp, "primary0"));
    EXPECT_EQ(lab.link_names(lab.guest_ns()).size(), 3u);  // lo, ens4, eth0: no duplicate VF
}

// Row 10 / scenario 10.
TEST_F(FailoverParams, Row10_Hotplug2_BothHotAdded) {
    VmmProcess vmm(lab, base_arguments(lab));
    auto qmp = vmm.qmp();
    EXPECT_EQ(lab.link_names(lab.guest_ns()), (std::vector<std::string>{"lo"}));
    qmp.execute_ok("device_add", standby_json());
    EXPECT_TRUE(pci_present(qmp, "standby0"));
    EXPECT_TRUE(lab.wait_guest_link("eth0", true));
    auto guest = TestGuest::connect(lab.channel_path());
    guest.start_driver("standby0");
    ASSERT_TRUE(qmp.wait_event("FAILOVER_NEGOTIATED", 3s));
    EXPECT_FALSE(pci_present(qmp, "primary0"));
    qmp.execute_ok("device_add", primary_json());
    EXPECT_TRUE(pci_present(qmp, "primary0"));
    expect_vf_in_vm();
}

// Row 11 / scenario 11 (the documented quirk: both visible before negotiation).
TEST_F(FailoverParams, Row11_Hotplug2Reverse_PrimaryFirstIsVisibleBeforeNegotiation) {
    VmmProcess vmm(lab, base_arguments(lab));
    auto qmp = vmm.qmp();
    qmp.execute_ok("device_add", primary_json());
    EXPECT_TRUE(pci_present(qmp, "primary0"));
    expect_vf_in_vm();
    qmp.execute_ok("device_add", standby_json());
    EXPECT_TRUE(pci_present(qmp, "standby0"));
    EXPECT_TRUE(pci_present(qmp, "primary0"));
    auto guest = TestGuest::connect(lab.channel_path());
    guest.start_driver("standby0");
    ASSERT_TRUE(qmp.wait_event("FAILOVER_NEGOTIATED", 3s));
    EXPECT_TRUE(pci_present(qmp, "standby0"));
    EXPECT_TRUE(pci_present(qmp, "primary0"));
}

// Scenario 8: negotiated with no primary configured -> nothing (a warning in the log), no event but the one.
TEST_F(FailoverParams, Scenario8_NegotiatedWithoutPrimaryOnlyWarns) {
    VmmProcess vmm(lab, args({standby_device()}));
    auto qmp = vmm.qmp();
    auto guest = TestGuest::connect(lab.channel_path());
    guest.start_driver("standby0");
    ASSERT_TRUE(qmp.wait_event("FAILOVER_NEGOTIATED", 3s));
    std::this_thread::sleep_for(100ms);
    EXPECT_NE(vmm.log().find("Primary device not found"), std::string::npos) << vmm.log();
    EXPECT_NE(vmm.log().find("failover_pair_id=standby0"), std::string::npos);
}

// Scenario 12; re-submitting the captured primary is idempotent.
TEST_F(FailoverParams, Scenario12_SecondPrimaryIsRefused) {
    VmmProcess vmm(lab, args({standby_device(), primary_device()}));
    auto qmp = vmm.qmp();
    json second = primary_json();
    second["id"] = "primary1";
    second["host"] = "vf-vm1bg";
    second["bus"] = "root2";
    EXPECT_EQ(error_of(qmp, "device_add", second),
              "Cannot attach more than one primary device to 'standby0': 'primary0' and 'primary1'");
    qmp.execute_ok("device_add", primary_json());
    EXPECT_FALSE(pci_present(qmp, "primary0"));
    EXPECT_TRUE(lab.in_host("vf-vm1bg"));
}

// Scenario 13: realize rules for a device with failover_pair_id (not hidden: its standby does not exist).
TEST_F(FailoverParams, Scenario13_RealizeRulesForFailoverPrimaries) {
    VmmProcess vmm(lab, base_arguments(lab));
    auto qmp = vmm.qmp();
    json p = primary_json("standbyX");
    p["bus"] = "pci.1";
    EXPECT_EQ(error_of(qmp, "device_add", p), "failover primary device must be on PCIExpress bus");
    EXPECT_EQ(error_of(qmp, "device_add",
                       {{"driver", "virtio-blk-pci"}, {"id", "disk0"}, {"bus", "root2"}, {"failover_pair_id", "standbyX"}}),
              "failover primary device is not an Ethernet device");
    p = primary_json("standbyX");
    p["addr"] = "0.1";
    EXPECT_EQ(error_of(qmp, "device_add", p), "failover: primary device must be in its own PCI slot");
    p = primary_json("standbyX");
    p["multifunction"] = "on";
    EXPECT_EQ(error_of(qmp, "device_add", p), "failover: primary device must be in its own PCI slot");
    EXPECT_FALSE(pci_present(qmp, "primary0"));
    expect_vf_on_host();
}

// Scenario 13 on the command line: like QEMU, a -device that fails to realize ends start-up; nothing is left.
TEST_F(FailoverParams, Scenario13_CommandLineRealizeErrorExitsCleanly) {
    const auto result = run_vmm(lab, args({primary_device(",multifunction=on")}));
    EXPECT_NE(result.status, 0);
    EXPECT_NE(result.output.find("failover: primary device must be in its own PCI slot"), std::string::npos)
        << result.output;
    EXPECT_FALSE(lab.in_host("vm1-pv"));
    expect_vf_on_host();
    EXPECT_FALSE(std::filesystem::exists(lab.qmp_path()));
}

}  // namespace
}  // namespace nf::vmm::test
