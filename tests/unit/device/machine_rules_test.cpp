// device_add/device_del validation, orderly vs surprise removal, guest reset policy, set_link, run state
// and the query-pci shape.
#include "machine_fixture.h"

namespace nf::device::test {
namespace {

class MachineRules : public ::testing::Test {
protected:
    Machine m = qtest_machine();
    void SetUp() override { m.start(); }
};

TEST_F(MachineRules, DeviceAddArgumentErrors) {
    EXPECT_EQ(error_desc(m.device_add({{"id", "x"}})), "Parameter 'driver' is missing");
    EXPECT_EQ(error_desc(m.device_add({{"driver", "nosuch-nic"}, {"id", "x"}})),
              "'nosuch-nic' is not a valid device model name");
    EXPECT_EQ(error_desc(m.device_add({{"driver", "e1000e"}, {"id", "x"}, {"bus", "root0"}, {"speed", 10}})),
              "Property 'e1000e.speed' not found");
    EXPECT_EQ(error_desc(m.device_add({{"driver", "e1000e"}, {"id", "x"}, {"bus", "root0"}, {"mac", "zz"}})),
              "Property 'e1000e.mac' doesn't take value 'zz'");
    EXPECT_EQ(error_desc(m.device_add({{"driver", "e1000e"}, {"id", "x"}, {"bus", "root0"}, {"addr", "0x40"}})),
              "Property 'e1000e.addr' doesn't take value '0x40'");
    const Outcome nobus = m.device_add({{"driver", "e1000e"}, {"id", "x"}, {"bus", "nosuch"}});
    EXPECT_EQ(error_desc(nobus), "Bus 'nosuch' not found");
    EXPECT_EQ(nobus.error()->error_class, "DeviceNotFound");
}

TEST_F(MachineRules, DuplicateIdRejected) {
    ASSERT_TRUE(m.device_add({{"driver", "e1000e"}, {"id", "nic0"}, {"bus", "root0"}}).ok());
    EXPECT_EQ(error_desc(m.device_add({{"driver", "e1000e"}, {"id", "nic0"}, {"bus", "root1"}})),
              "Duplicate ID 'nic0' for device");
}

TEST_F(MachineRules, RootPortHasOneSlot) {
    ASSERT_TRUE(m.device_add({{"driver", "e1000e"}, {"id", "nic0"}, {"bus", "root0"}}).ok());
    const std::string busy = error_desc(m.device_add({{"driver", "e1000e"}, {"id", "nic1"}, {"bus", "root0"}}));
    EXPECT_NE(busy.find("in use by e1000e,id=nic0"), std::string::npos) << busy;
    const std::string slot1 =
        error_desc(m.device_add({{"driver", "e1000e"}, {"id", "nic2"}, {"bus", "root1"}, {"addr", "1"}}));
    EXPECT_NE(slot1.find("limited by PCIe downstream port"), std::string::npos) << slot1;
}

// QEMU's pcie-root-port slot= (the Physical Slot Number a native-hotplug guest names the slot by), read
// back by qom-get on the port; 0 where none was given; the port itself is no device.
TEST(MachineRootPortSlot, QomGetReadsTheSlotNumberOfARootPort) {
    MachineOptions options;
    options.topology.root_port_slots = {{"root1", 4}};
    Machine m(options);
    m.start();
    const auto qom = [&](const std::string& port, const std::string& property) {
        return m.qom_get({{"path", "/machine/peripheral/" + port}, {"property", property}});
    };
    ASSERT_TRUE(qom("root1", "slot").ok());
    EXPECT_EQ(std::get<nlohmann::json>(*qom("root1", "slot").reply), 4);
    EXPECT_EQ(std::get<nlohmann::json>(*qom("root0", "slot").reply), 0);
    EXPECT_EQ(std::get<nlohmann::json>(*qom("root1", "type").reply), "pcie-root-port");
    EXPECT_EQ(error_desc(qom("root1", "mac")), "Property 'pcie-root-port.mac' not found");
    EXPECT_EQ(error_desc(qom("root7", "slot")), "Device '/machine/peripheral/root7' not found");
    // A device plugged on the port leaves its slot number alone.
    ASSERT_TRUE(m.device_add({{"driver", "e1000e"}, {"id", "vf0"}, {"bus", "root1"}}).ok());
    EXPECT_EQ(std::get<nlohmann::json>(*qom("root1", "slot").reply), 4);
    EXPECT_EQ(build_buses({.root_port_slots = {{"root2", 9}}})[3].physical_slot, 9);
}

TEST_F(MachineRules, DeviceDelUnknown) {
    const Outcome out = m.device_del({{"id", "ghost"}});
    EXPECT_EQ(error_desc(out), "Device 'ghost' not found");
    EXPECT_EQ(out.error()->error_class, "DeviceNotFound");
}

TEST_F(MachineRules, DeviceDelIsOrderly) {
    ASSERT_TRUE(m.device_add(standby_args("standby0", "root0", kMacStandby0)).ok());
    ASSERT_TRUE(m.device_add({{"driver", "vfio-pci"}, {"id", "vf0"}, {"bus", "root1"}, {"mac", kMacPrimary0}}).ok());
    const Outcome del = m.device_del({{"id", "vf0"}});
    ASSERT_TRUE(del.ok());
    EXPECT_EQ(del.actions, (std::vector<Action>{RequestEject{"vf0"}}));
    EXPECT_TRUE(del.events.empty());
    EXPECT_TRUE(card_present(m, "vf0", kMacPrimary0)) << "still there until the guest acks";
    EXPECT_EQ(error_desc(m.device_del({{"id", "vf0"}})), "Device vf0 is already in the process of unplug");
    const Outcome ack = m.guest_eject("vf0");
    EXPECT_EQ(ack.events, (std::vector<Event>{{"DEVICE_DELETED", {{"device", "vf0"},
                                                                   {"path", "/machine/peripheral/vf0"}}}}));
    EXPECT_EQ(ack.actions, (std::vector<Action>{UnplugPrimary{"vf0", RemovalMode::Orderly}}));
    EXPECT_TRUE(card_absent(m, "vf0"));
}

TEST_F(MachineRules, SurpriseRemovalIsImmediate) {
    ASSERT_TRUE(m.device_add(standby_args("standby0", "root0", kMacStandby0, false)).ok());
    const Outcome out = m.surprise_remove("standby0");
    EXPECT_EQ(out.actions, (std::vector<Action>{UnplugStandby{"standby0", RemovalMode::Surprise}}));
    EXPECT_EQ(count_events(out, "DEVICE_DELETED"), 1);
    EXPECT_TRUE(card_absent(m, "standby0"));
    EXPECT_EQ(m.find_standby("standby0"), nullptr);
}

TEST_F(MachineRules, DeletedPrimaryIsNotReplugged) {
    ASSERT_TRUE(m.device_add(standby_args("standby0", "root0", kMacStandby0)).ok());
    driver_start(m, "standby0");
    ASSERT_TRUE(m.device_add(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    m.device_del({{"id", "primary0"}});
    m.guest_eject("primary0");
    EXPECT_EQ(m.primary_state("primary0"), PrimaryState::Absent);
    // A different primary may now pair with the standby.
    EXPECT_TRUE(m.device_add(primary_args("primary9", "root1", kMacPrimary0, "standby0")).ok());
}

class ResetPolicies : public ::testing::TestWithParam<ResetPolicy> {};

TEST_P(ResetPolicies, GuestResetAfterNegotiation) {
    Machine m(MachineOptions{MachineTopology{}, GetParam()});
    ASSERT_TRUE(m.cold_plug(standby_args("standby0", "root0", kMacStandby0)).ok());
    ASSERT_TRUE(m.cold_plug(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    m.start();
    driver_start(m, "standby0");
    ASSERT_TRUE(card_present(m, "primary0", kMacPrimary0));
    const Outcome reset = m.guest_reset("standby0");
    EXPECT_FALSE(m.find_standby("standby0")->negotiated());
    if (GetParam() == ResetPolicy::QemuCompatible) {
        EXPECT_TRUE(reset.actions.empty());
        EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
        // A guest that comes back without STANDBY keeps seeing the primary (QEMU's duplicate-MAC case).
        driver_start(m, "standby0", false);
        EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
        return;
    }
    EXPECT_EQ(reset.actions, (std::vector<Action>{UnplugPrimary{"primary0", RemovalMode::Surprise}}));
    EXPECT_TRUE(reset.events.empty());
    EXPECT_TRUE(card_absent(m, "primary0"));
    EXPECT_EQ(m.primary_state("primary0"), PrimaryState::Hidden);
    driver_start(m, "standby0", false);
    EXPECT_TRUE(card_absent(m, "primary0")) << "a guest without STANDBY never sees the primary";
    const Outcome again = driver_start(m, "standby0");
    EXPECT_TRUE(has_action(again, PlugPrimary{"primary0", kMacPrimary0}));
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
}

TEST_P(ResetPolicies, ResetRehidesPrimaryPluggedBeforeStandby) {
    Machine m(MachineOptions{MachineTopology{}, GetParam()});
    m.start();
    ASSERT_TRUE(m.device_add(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    ASSERT_TRUE(m.device_add(standby_args("standby0", "root0", kMacStandby0)).ok());
    driver_start(m, "standby0");
    m.guest_reset("standby0");
    EXPECT_EQ(card_absent(m, "primary0"), GetParam() == ResetPolicy::RehidePrimary);
    driver_start(m, "standby0");
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
}

INSTANTIATE_TEST_SUITE_P(Both, ResetPolicies,
                         ::testing::Values(ResetPolicy::RehidePrimary, ResetPolicy::QemuCompatible));

TEST_F(MachineRules, SetLinkDrivesStandbyCarrier) {
    ASSERT_TRUE(m.device_add(standby_args("standby0", "root0", kMacStandby0)).ok());
    const Outcome down = m.execute("set_link", {{"name", "standby0"}, {"up", false}});
    ASSERT_TRUE(down.ok());
    EXPECT_EQ(down.actions, (std::vector<Action>{SetStandbyCarrier{"standby0", false}}));
    EXPECT_FALSE(m.find_standby("standby0")->link_up());
    EXPECT_TRUE(m.execute("set_link", {{"name", "standby0"}, {"up", false}}).actions.empty());
    EXPECT_EQ(m.execute("set_link", {{"name", "standby0"}, {"up", true}}).actions,
              (std::vector<Action>{SetStandbyCarrier{"standby0", true}}));
    EXPECT_EQ(error_desc(m.execute("set_link", {{"name", "nope"}, {"up", true}})), "Device 'nope' not found");
    EXPECT_EQ(error_desc(m.execute("set_link", {{"name", "standby0"}})), "Parameter 'up' is missing");
}

TEST_F(MachineRules, StopContEmitEventsOnce) {
    EXPECT_EQ(m.query_status(), (nlohmann::json{{"status", "running"}, {"running", true}, {"singlestep", false}}));
    const Outcome stop = m.execute("stop", nullptr);
    EXPECT_EQ(stop.events, (std::vector<Event>{{"STOP", nlohmann::json::object()}}));
    EXPECT_TRUE(has_action(stop, PauseGuest{}));
    EXPECT_EQ(m.query_status()["status"], "paused");
    EXPECT_EQ(m.query_status()["running"], false);
    EXPECT_TRUE(m.execute("stop", nullptr).events.empty());
    const Outcome cont = m.execute("cont", nullptr);
    EXPECT_EQ(cont.events, (std::vector<Event>{{"RESUME", nlohmann::json::object()}}));
    EXPECT_TRUE(m.execute("cont", nullptr).events.empty());
}

TEST_F(MachineRules, UnknownCommand) {
    const Outcome out = m.execute("frobnicate", nlohmann::json::object());
    EXPECT_EQ(out.error()->error_class, "CommandNotFound");
    EXPECT_EQ(out.error()->desc, "The command frobnicate has not been found");
}

TEST_F(MachineRules, QueryPciShape) {
    ASSERT_TRUE(m.device_add(standby_args("standby0", "root0", kMacStandby0)).ok());
    const Outcome out = m.execute("query-pci", nullptr);
    ASSERT_TRUE(out.ok());
    const auto& pci = std::get<nlohmann::json>(*out.reply);
    ASSERT_TRUE(pci.is_array());
    EXPECT_EQ(pci[0]["bus"], 0);
    const auto& root0 = pci[0]["devices"][0];
    EXPECT_EQ(root0["qdev_id"], "root0");
    EXPECT_EQ(root0["slot"], 1);
    EXPECT_EQ(root0["class_info"]["class"], 0x0604);
    const auto& nic = root0["pci_bridge"]["devices"][0];
    EXPECT_EQ(nic["qdev_id"], "standby0");
    EXPECT_EQ(nic["bus"], 1);
    EXPECT_EQ(nic["slot"], 0);
    EXPECT_EQ(nic["function"], 0);
    EXPECT_EQ(nic["class_info"]["class"], 0x0200);
    EXPECT_EQ(nic["class_info"]["desc"], "Ethernet controller");
    EXPECT_EQ(nic["id"]["vendor"], 0x1af4);
    EXPECT_EQ(nic["id"]["device"], 0x1041);
}

TEST_F(MachineRules, AnonymousDeviceCannotBeDeleted) {
    ASSERT_TRUE(m.device_add({{"driver", "e1000e"}, {"bus", "root3"}}).ok());
    EXPECT_EQ(error_desc(m.device_del({{"id", "device[0]"}})), "Device 'device[0]' not found");
}

}  // namespace
}  // namespace nf::device::test
