// Acceptance scenarios 1–14 of spec qemu-failover.md §7 (configuration and hiding), at model level.
#include "machine_fixture.h"

namespace nf::device::test {
namespace {

class AcceptanceConfig : public ::testing::Test {
protected:
    Machine m = qtest_machine();

    void boot_with_standby() {
        ASSERT_TRUE(m.cold_plug(standby_args("standby0", "root0", kMacStandby0)).ok());
        m.start();
    }
};

TEST_F(AcceptanceConfig, Acceptance01_PrimaryWithoutIdRejected) {
    boot_with_standby();
    const Outcome out = m.device_add({{"driver", "vfio-pci"}, {"bus", "root1"}, {"failover_pair_id", "standby0"}});
    EXPECT_EQ(error_desc(out), "Device with failover_pair_id needs to have id");
    EXPECT_TRUE(out.actions.empty());
}

TEST_F(AcceptanceConfig, Acceptance01_IdCheckedEvenForAnotherStandbysPair) {
    boot_with_standby();  // the check fires for any failover standby, before the pair comparison
    const Outcome out = m.device_add({{"driver", "vfio-pci"}, {"bus", "root1"}, {"failover_pair_id", "other"}});
    EXPECT_EQ(error_desc(out), "Device with failover_pair_id needs to have id");
}

// QEMU runs the standby's hiding hook before it parses any property: a bad property value of a primary
// without an id is reported as the missing id (issue 9, defect 8).
TEST_F(AcceptanceConfig, Acceptance01_IdCheckedBeforeAnyProperty) {
    boot_with_standby();
    const Outcome out = m.device_add({{"driver", "virtio-net-pci"}, {"bus", "root1"}, {"mac", "not-a-mac"},
                                      {"addr", 4294967298LL}, {"failover_pair_id", "standby0"}});
    EXPECT_EQ(error_desc(out), "Device with failover_pair_id needs to have id");
    EXPECT_TRUE(out.actions.empty());
    // With the id the property errors follow, in order.
    const Outcome with_id = m.device_add({{"driver", "virtio-net-pci"}, {"id", "p0"}, {"bus", "root1"},
                                          {"addr", 4294967298LL}, {"failover_pair_id", "standby0"}});
    EXPECT_EQ(error_desc(with_id), "Property 'virtio-net-pci.addr' doesn't take value '4294967298'");
}

// The model and the bus come first: an unknown bus is named even when the id is missing.
TEST_F(AcceptanceConfig, Acceptance01_BusCheckedBeforeId) {
    boot_with_standby();
    EXPECT_EQ(error_desc(m.device_add({{"driver", "vfio-pci"}, {"bus", "nope"}, {"failover_pair_id", "standby0"}})),
              "Bus 'nope' not found");
    EXPECT_EQ(error_desc(m.device_add({{"driver", "nope"}, {"failover_pair_id", "standby0"}})),
              "'nope' is not a valid device model name");
    const auto head = m.check_device_head({{"driver", "vfio-pci"}, {"bus", "root1"}, {"failover_pair_id", "x"}});
    ASSERT_TRUE(head.has_value());
    EXPECT_EQ(head->desc, "Device with failover_pair_id needs to have id");
}

// QEMU checks a device that no standby hides for hotplug and migration before it sets any property.
TEST_F(AcceptanceConfig, HotplugBusCheckedBeforeProperties) {
    boot_with_standby();
    EXPECT_EQ(error_desc(m.device_add({{"driver", "virtio-net-pci"}, {"id", "n9"}, {"bus", "pcie.0"}, {"mac", "bad"}})),
              "Bus 'pcie.0' does not support hotplugging");
    EXPECT_EQ(error_desc(m.device_add({{"driver", "virtio-net-pci"}, {"id", "n9"}, {"bus", "root2"}, {"mac", "bad"}})),
              "Property 'virtio-net-pci.mac' doesn't take value 'bad'");
}

TEST_F(AcceptanceConfig, Acceptance02_NonHotpluggableBusRejected) {
    boot_with_standby();
    const Outcome out = m.device_add(
        {{"driver", "vfio-pci"}, {"id", "primary0"}, {"bus", "pcie.0"}, {"failover_pair_id", "standby0"}});
    EXPECT_EQ(error_desc(out), "Bus 'pcie.0' does not support hotplugging");
}

TEST_F(AcceptanceConfig, Acceptance03_HiddenAtBoot) {
    ASSERT_TRUE(m.cold_plug(standby_args("standby0", "root0", kMacStandby0)).ok());
    ASSERT_TRUE(m.cold_plug(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    m.start();
    EXPECT_TRUE(card_present(m, "standby0", kMacStandby0));
    EXPECT_TRUE(card_absent(m, "primary0"));
    EXPECT_EQ(error_desc(m.device_del({{"id", "primary0"}})), "Device 'primary0' not found");
}

TEST_F(AcceptanceConfig, Acceptance04_UnpairedPrimaryIsOrdinary) {
    ASSERT_TRUE(m.cold_plug(standby_args("standby0", "root0", kMacStandby0)).ok());
    ASSERT_TRUE(m.cold_plug(primary_args("primary0", "root1", kMacPrimary0, "nosuch")).ok());
    m.start();
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
    const Outcome out = driver_start(m, "standby0");
    EXPECT_TRUE(has_event(out, "FAILOVER_NEGOTIATED", {{"device-id", "standby0"}}));
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
}

TEST_F(AcceptanceConfig, Acceptance05_FailoverOffNoOfferNoEvent) {
    ASSERT_TRUE(m.cold_plug(standby_args("standby0", "root0", kMacStandby0, false)).ok());
    ASSERT_TRUE(m.cold_plug(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    m.start();
    EXPECT_FALSE(m.find_standby("standby0")->offered_features() & kFeatureStandby);
    // Even a guest that writes STANDBY anyway cannot ack what was not offered.
    const Outcome out = m.guest_set_features("standby0", kBaseFeatures | kFeatureStandby);
    EXPECT_TRUE(out.events.empty());
    EXPECT_TRUE(card_present(m, "standby0", kMacStandby0));
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
}

TEST_F(AcceptanceConfig, Acceptance06_AckPlugsHiddenPrimary) {
    ASSERT_TRUE(m.cold_plug(standby_args("standby0", "root0", kMacStandby0)).ok());
    ASSERT_TRUE(m.cold_plug(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    m.start();
    const Outcome out = driver_start(m, "standby0");
    ASSERT_EQ(out.events.size(), 1u);
    EXPECT_EQ(out.events[0], (Event{"FAILOVER_NEGOTIATED", {{"device-id", "standby0"}}}));
    EXPECT_EQ(out.actions, (std::vector<Action>{PlugPrimary{"primary0", kMacPrimary0}}));
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
    EXPECT_EQ(m.primary_state("primary0"), PrimaryState::Plugged);
    // Every later write containing STANDBY emits the event again but plugs nothing twice.
    const Outcome again = driver_start(m, "standby0");
    EXPECT_EQ(count_events(again, "FAILOVER_NEGOTIATED"), 1);
    EXPECT_TRUE(again.actions.empty());
}

TEST_F(AcceptanceConfig, Acceptance07_NoAckNoPrimaryNoEvent) {
    ASSERT_TRUE(m.cold_plug(standby_args("standby0", "root0", kMacStandby0)).ok());
    ASSERT_TRUE(m.cold_plug(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    m.start();
    const Outcome out = driver_start(m, "standby0", false);
    EXPECT_TRUE(out.events.empty());
    EXPECT_TRUE(card_absent(m, "primary0"));
    EXPECT_EQ(m.primary_state("primary0"), PrimaryState::Hidden);
}

TEST_F(AcceptanceConfig, Acceptance08_NoPrimaryWarnsThenLaterAddPlugs) {
    boot_with_standby();
    const Outcome out = driver_start(m, "standby0");
    EXPECT_TRUE(has_event(out, "FAILOVER_NEGOTIATED", {{"device-id", "standby0"}}));
    EXPECT_TRUE(out.actions.empty());
    ASSERT_EQ(out.warnings.size(), 2u);
    EXPECT_EQ(out.warnings[0], "Primary device not found");
    EXPECT_EQ(out.warnings[1], "Virtio-net failover will not work. Make sure primary device has parameter "
                               "failover_pair_id=standby0");
    const Outcome added = m.device_add(primary_args("primary0", "root1", kMacPrimary0, "standby0"));
    ASSERT_TRUE(added.ok());
    EXPECT_TRUE(has_action(added, PlugPrimary{"primary0", kMacPrimary0}));
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
}

TEST_F(AcceptanceConfig, Acceptance09_PrimaryBeforeStandbyNoDuplicate) {
    m.start();
    ASSERT_TRUE(m.device_add(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    ASSERT_TRUE(m.device_add(standby_args("standby0", "root0", kMacStandby0)).ok());
    const Outcome out = driver_start(m, "standby0");
    EXPECT_TRUE(has_event(out, "FAILOVER_NEGOTIATED", {{"device-id", "standby0"}}));
    EXPECT_TRUE(out.actions.empty());
    EXPECT_TRUE(out.warnings.empty());
    const auto root1 = m.query_pci()[0]["devices"];
    int copies = 0;
    for (const auto& port : root1)
        if (port.contains("pci_bridge"))
            for (const auto& d : port["pci_bridge"]["devices"]) copies += d["qdev_id"] == "primary0";
    EXPECT_EQ(copies, 1);
}

TEST_F(AcceptanceConfig, Acceptance10_PrimaryAfterNegotiationVisibleAtOnce) {
    m.start();
    ASSERT_TRUE(m.device_add(standby_args("standby0", "root0", kMacStandby0)).ok());
    driver_start(m, "standby0");
    ASSERT_TRUE(m.device_add(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
}

TEST_F(AcceptanceConfig, Acceptance11_PrimaryFirstBothVisibleBeforeNegotiation) {
    m.start();
    ASSERT_TRUE(m.device_add(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    ASSERT_TRUE(m.device_add(standby_args("standby0", "root0", kMacStandby0)).ok());
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
    EXPECT_TRUE(card_present(m, "standby0", kMacStandby0));
}

TEST_F(AcceptanceConfig, Acceptance12_SecondPrimaryRejected) {
    boot_with_standby();
    ASSERT_TRUE(m.device_add(primary_args("P1", "root1", kMacPrimary0, "standby0")).ok());
    const Outcome out = m.device_add(primary_args("P2", "root2", kMacPrimary1, "standby0"));
    EXPECT_EQ(error_desc(out), "Cannot attach more than one primary device to 'standby0': 'P1' and 'P2'");
    // Re-submitting the captured primary is idempotent.
    EXPECT_TRUE(m.device_add(primary_args("P1", "root1", kMacPrimary0, "standby0")).ok());
}

TEST_F(AcceptanceConfig, Acceptance13_ConventionalBusRejected) {
    m.start();
    const Outcome out = m.device_add(
        {{"driver", "vfio-pci"}, {"id", "p"}, {"bus", "pci.1"}, {"failover_pair_id", "standby0"}});
    EXPECT_EQ(error_desc(out), "failover primary device must be on PCIExpress bus");
    EXPECT_TRUE(card_absent(m, "p"));
}

TEST_F(AcceptanceConfig, Acceptance13_NonEthernetRejected) {
    m.start();
    const Outcome out = m.device_add(
        {{"driver", "virtio-blk-pci"}, {"id", "p"}, {"bus", "root1"}, {"failover_pair_id", "standby0"}});
    EXPECT_EQ(error_desc(out), "failover primary device is not an Ethernet device");
}

TEST_F(AcceptanceConfig, Acceptance13_NonZeroFunctionRejected) {
    m.start();
    const Outcome out = m.device_add(
        {{"driver", "vfio-pci"}, {"id", "p"}, {"bus", "root1"}, {"addr", "0.1"}, {"failover_pair_id", "standby0"}});
    EXPECT_EQ(error_desc(out), "failover: primary device must be in its own PCI slot");
}

TEST_F(AcceptanceConfig, Acceptance13_MultifunctionRejected) {
    m.start();
    const Outcome out = m.device_add({{"driver", "vfio-pci"}, {"id", "p"}, {"bus", "root1"},
                                      {"multifunction", "on"}, {"failover_pair_id", "standby0"}});
    EXPECT_EQ(error_desc(out), "failover: primary device must be in its own PCI slot");
}

TEST_F(AcceptanceConfig, Acceptance13_HiddenPrimaryFailsAtPlugAndIsDropped) {
    boot_with_standby();
    // Hidden devices are not realized, so the slot rule only bites when negotiation plugs it.
    ASSERT_TRUE(m.device_add({{"driver", "vfio-pci"}, {"id", "primary0"}, {"bus", "root1"}, {"addr", "0.2"},
                              {"failover_pair_id", "standby0"}}).ok());
    const Outcome out = driver_start(m, "standby0");
    EXPECT_TRUE(has_event(out, "FAILOVER_NEGOTIATED", {{"device-id", "standby0"}}));
    ASSERT_EQ(out.warnings.size(), 1u);
    EXPECT_NE(out.warnings[0].find("failover: primary device must be in its own PCI slot"), std::string::npos);
    EXPECT_EQ(m.primary_state("primary0"), PrimaryState::Absent);
}

TEST_F(AcceptanceConfig, Acceptance14_DeviceDelDuringMigrationOnlyForPrimaries) {
    ASSERT_TRUE(m.cold_plug(standby_args("standby0", "root0", kMacStandby0)).ok());
    ASSERT_TRUE(m.cold_plug(primary_args("primary0", "root1", kMacPrimary0, "nosuch")).ok());
    ASSERT_TRUE(m.cold_plug({{"driver", "e1000e"}, {"id", "nic0"}, {"bus", "root2"}}).ok());
    m.start();
    m.migration_source_setup();
    ASSERT_TRUE(m.migrating());
    const Outcome primary = m.device_del({{"id", "primary0"}});
    EXPECT_TRUE(primary.ok()) << error_desc(primary);
    EXPECT_TRUE(has_action(primary, RequestEject{"primary0"}));
    EXPECT_EQ(error_desc(m.device_del({{"id", "nic0"}})), "device_del not allowed while migrating");
    EXPECT_EQ(error_desc(m.device_del({{"id", "standby0"}})), "device_del not allowed while migrating");
    EXPECT_EQ(error_desc(m.device_add({{"driver", "e1000e"}, {"id", "nic1"}, {"bus", "root3"}})),
              "device_add not allowed while migrating");
}

}  // namespace
}  // namespace nf::device::test
