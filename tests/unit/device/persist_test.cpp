// The device model's save/restore records and the migration hooks the migration core adds
// (pending_unplugs, migration_force_unplug): what migrates, and what a destination does with it.
#include "device/standby_persist.h"
#include "machine_fixture.h"

namespace nf::device::test {
namespace {

Machine negotiated_pair() {
    Machine m = qtest_machine();
    EXPECT_TRUE(m.cold_plug(standby_args("standby0", "root0", kMacStandby0)).ok());
    EXPECT_TRUE(m.cold_plug(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    m.start();
    driver_start(m, "standby0");
    return m;
}

TEST(DevicePersist, RecordsSkipPartiallyUnpluggedPrimary) {
    Machine m = qtest_machine();
    ASSERT_TRUE(m.cold_plug(standby_args("standby0", "root0", kMacStandby0)).ok());
    ASSERT_TRUE(m.cold_plug(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    m.start();
    driver_start(m, "standby0");
    EXPECT_EQ(m.save_device_records().size(), 2u) << "the plugged virtio-net primary migrates like any device";
    m.migration_source_setup();
    const auto records = m.save_device_records();
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].id, "standby0");
    const auto state = std::get<StandbyState>(decode_standby_record(records[0]));
    EXPECT_TRUE(state.acked_features & kFeatureStandby);
    EXPECT_EQ(state.mac, MacAddress::parse(kMacStandby0));
}

TEST(DevicePersist, RestoreAppliesLinkStateAndFeatures) {
    Machine src = negotiated_pair();
    ASSERT_TRUE(src.set_link({{"name", "standby0"}, {"up", false}}).ok());
    src.migration_source_setup();
    const auto records = src.save_device_records();

    Machine dst = qtest_machine();
    ASSERT_TRUE(dst.cold_plug(standby_args("standby0", "root0", kMacStandby0)).ok());
    ASSERT_TRUE(dst.cold_plug(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    dst.start(RunState::InMigrate);
    const Outcome out = dst.restore_device_record(records[0]);
    ASSERT_TRUE(out.ok()) << error_desc(out);
    EXPECT_TRUE(has_action(out, SetStandbyCarrier{"standby0", false}));
    EXPECT_TRUE(has_event(out, "FAILOVER_NEGOTIATED", {{"device-id", "standby0"}}));
    EXPECT_TRUE(has_action(out, PlugPrimary{"primary0", kMacPrimary0}));
    EXPECT_FALSE(dst.find_standby("standby0")->link_up());
}

TEST(DevicePersist, RejectedRecordChangesNothing) {
    Machine dst = qtest_machine();
    ASSERT_TRUE(dst.cold_plug(standby_args("standby0", "root0", kMacStandby0)).ok());
    ASSERT_TRUE(dst.cold_plug(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    dst.start(RunState::InMigrate);
    const StandbyState other_mac{kBaseFeatures | kFeatureStandby, false, MacAddress::parse(kMacStandby1)};
    const Outcome out = dst.restore_device_record(encode_standby_record("standby0", other_mac));
    EXPECT_EQ(error_desc(out), "device 'standby0': MAC 52:54:00:44:44:44 in the stream differs from the local 52:54:00:22:22:22");
    EXPECT_TRUE(dst.find_standby("standby0")->link_up());
    EXPECT_FALSE(dst.find_standby("standby0")->negotiated());
    EXPECT_TRUE(card_absent(dst, "primary0"));
}

TEST(DevicePersist, ForceUnplugPullsPendingPrimaryAndFailureReplugs) {
    Machine m = negotiated_pair();
    m.migration_source_setup();
    EXPECT_EQ(m.pending_unplugs(), std::vector<std::string>{"primary0"});
    const Outcome pulled = m.migration_force_unplug();
    EXPECT_EQ(pulled.actions, (std::vector<Action>{UnplugPrimary{"primary0", RemovalMode::Surprise}}));
    EXPECT_FALSE(m.unplug_pending());
    EXPECT_TRUE(m.pending_unplugs().empty());
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0)) << "still realized for a re-plug";
    const Outcome failed = m.migration_source_failed();
    EXPECT_EQ(failed.actions, (std::vector<Action>{PlugPrimary{"primary0", kMacPrimary0}}));
}

}  // namespace
}  // namespace nf::device::test
