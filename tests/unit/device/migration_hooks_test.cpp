// The migration notifier hooks of the model (spec §1.5–1.8, §6.2), for acceptance scenarios 15–27. The
// migration state machine and stream are not built yet; these pin the device-side half they will call.
#include "machine_fixture.h"

namespace nf::device::test {
namespace {

class MigrationHooks : public ::testing::Test {
protected:
    Machine m = qtest_machine();

    // standbyN on root(2N), primaryN on root(2N+1), both negotiated and plugged.
    void negotiated_pairs(int pairs) {
        const char* standby_macs[] = {kMacStandby0, kMacStandby1};
        const char* primary_macs[] = {kMacPrimary0, kMacPrimary1};
        for (int i = 0; i < pairs; ++i) {
            const std::string n = std::to_string(i);
            ASSERT_TRUE(m.cold_plug(standby_args("standby" + n, "root" + std::to_string(2 * i), standby_macs[i])).ok());
            ASSERT_TRUE(m.cold_plug(primary_args("primary" + n, "root" + std::to_string(2 * i + 1), primary_macs[i],
                                                 "standby" + n)).ok());
        }
        m.start();
        for (int i = 0; i < pairs; ++i) driver_start(m, "standby" + std::to_string(i));
    }
};

TEST_F(MigrationHooks, Acceptance15_SetupRequestsUnplug) {
    negotiated_pairs(1);
    const Outcome out = m.migration_source_setup();
    EXPECT_EQ(out.events, (std::vector<Event>{{"UNPLUG_PRIMARY", {{"device-id", "primary0"}}}}));
    EXPECT_EQ(out.actions, (std::vector<Action>{RequestEject{"primary0"}}));
    EXPECT_TRUE(m.unplug_pending());
    EXPECT_EQ(m.primary_state("primary0"), PrimaryState::UnplugPending);
    EXPECT_TRUE(m.find_standby("standby0")->hidden());
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
}

TEST_F(MigrationHooks, Acceptance16_GuestEjectEndsWaitDeviceStaysListed) {
    negotiated_pairs(1);
    m.migration_source_setup();
    const Outcome eject = m.guest_eject("primary0");
    EXPECT_EQ(eject.actions, (std::vector<Action>{UnplugPrimary{"primary0", RemovalMode::Orderly}}));
    EXPECT_TRUE(eject.events.empty()) << "a partial unplug is not a deletion";
    EXPECT_FALSE(m.unplug_pending());
    EXPECT_EQ(m.primary_state("primary0"), PrimaryState::GuestEjected);
    m.migration_source_completed();
    EXPECT_EQ(m.primary_state("primary0"), PrimaryState::GuestEjected);
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
    EXPECT_EQ(m.query_status()["status"], "postmigrate");
}

TEST_F(MigrationHooks, Acceptance17_TwoPairsWaitForBothEjects) {
    negotiated_pairs(2);
    const Outcome out = m.migration_source_setup();
    EXPECT_TRUE(has_event(out, "UNPLUG_PRIMARY", {{"device-id", "primary0"}}));
    EXPECT_TRUE(has_event(out, "UNPLUG_PRIMARY", {{"device-id", "primary1"}}));
    EXPECT_EQ(count_events(out, "UNPLUG_PRIMARY"), 2);
    m.guest_eject("primary0");
    EXPECT_TRUE(m.unplug_pending());
    m.guest_eject("primary1");
    EXPECT_FALSE(m.unplug_pending());
}

TEST_F(MigrationHooks, Acceptance18_CancelBeforeEjectWithdrawsRequest) {
    negotiated_pairs(1);
    m.migration_source_setup();
    const Outcome out = m.migration_source_failed();
    EXPECT_EQ(out.actions, (std::vector<Action>{CancelEject{"primary0"}}));
    EXPECT_EQ(m.primary_state("primary0"), PrimaryState::Plugged);
    EXPECT_FALSE(m.find_standby("standby0")->hidden());
    EXPECT_FALSE(m.unplug_pending());
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
}

TEST_F(MigrationHooks, Acceptance20_CancelAfterEjectReplugs) {
    negotiated_pairs(1);
    m.migration_source_setup();
    m.guest_eject("primary0");
    const Outcome out = m.migration_source_failed();
    EXPECT_EQ(out.actions, (std::vector<Action>{PlugPrimary{"primary0", kMacPrimary0}}));
    EXPECT_EQ(m.primary_state("primary0"), PrimaryState::Plugged);
    EXPECT_TRUE(card_present(m, "standby0", kMacStandby0));
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
    // The pair is whole again: a second migration asks for the unplug again.
    EXPECT_EQ(count_events(m.migration_source_setup(), "UNPLUG_PRIMARY"), 1);
}

TEST_F(MigrationHooks, Acceptance21_NotAckedNoUnplug) {
    ASSERT_TRUE(m.cold_plug(standby_args("standby0", "root0", kMacStandby0)).ok());
    ASSERT_TRUE(m.cold_plug(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    m.start();
    driver_start(m, "standby0", false);
    const Outcome out = m.migration_source_setup();
    EXPECT_TRUE(out.events.empty());
    EXPECT_TRUE(out.actions.empty());
    EXPECT_FALSE(m.unplug_pending());
    EXPECT_TRUE(m.migration_source_failed().actions.empty());
    EXPECT_TRUE(card_absent(m, "primary0"));
}

TEST_F(MigrationHooks, Acceptance22_FailoverOffNoUnplug) {
    ASSERT_TRUE(m.cold_plug(standby_args("standby0", "root0", kMacStandby0, false)).ok());
    ASSERT_TRUE(m.cold_plug(primary_args("primary0", "root1", kMacPrimary0, "standby0")).ok());
    m.start();
    driver_start(m, "standby0");
    EXPECT_TRUE(m.migration_source_setup().events.empty());
    EXPECT_FALSE(m.unplug_pending());
    m.migration_source_failed();
    EXPECT_TRUE(card_present(m, "standby0", kMacStandby0));
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
}

TEST_F(MigrationHooks, Acceptance23_PausedGuestKeepsUnplugPending) {
    negotiated_pairs(1);
    m.stop();
    const Outcome out = m.migration_source_setup();
    EXPECT_TRUE(has_action(out, RequestEject{"primary0"}));
    // A paused guest cannot eject; the bound on this wait belongs to the migration state machine.
    EXPECT_TRUE(m.unplug_pending());
}

class IncomingHooks : public ::testing::Test {
protected:
    Machine m = qtest_machine();

    void destination_pair(int i, bool failover = true) {
        const std::string n = std::to_string(i);
        ASSERT_TRUE(m.cold_plug(standby_args("standby" + n, "root" + std::to_string(2 * i),
                                             i ? kMacStandby1 : kMacStandby0, failover)).ok());
        ASSERT_TRUE(m.cold_plug(primary_args("primary" + n, "root" + std::to_string(2 * i + 1),
                                             i ? kMacPrimary1 : kMacPrimary0, "standby" + n)).ok());
    }
    std::uint64_t with_standby(const std::string& id) { return m.find_standby(id)->offered_features(); }
};

TEST_F(IncomingHooks, Acceptance24_LoadWithStandbyPlugsBeforeResume) {
    destination_pair(0);
    m.start(RunState::InMigrate);
    EXPECT_EQ(m.query_status()["status"], "inmigrate");
    EXPECT_TRUE(card_absent(m, "primary0"));
    Outcome all = m.migration_incoming_load_standby("standby0", with_standby("standby0"));
    EXPECT_TRUE(has_action(all, PlugPrimary{"primary0", kMacPrimary0}));
    all.merge(m.migration_incoming_finish());
    ASSERT_EQ(all.events.size(), 2u);
    EXPECT_EQ(all.events[0], (Event{"FAILOVER_NEGOTIATED", {{"device-id", "standby0"}}}));
    EXPECT_EQ(all.events[1].name, "RESUME");
    EXPECT_TRUE(card_present(m, "standby0", kMacStandby0));
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
    EXPECT_EQ(m.query_status()["status"], "running");
}

TEST_F(IncomingHooks, Acceptance25_TwoPairsInLoadOrder) {
    destination_pair(0);
    destination_pair(1);
    m.start(RunState::InMigrate);
    Outcome all = m.migration_incoming_load_standby("standby0", with_standby("standby0"));
    all.merge(m.migration_incoming_load_standby("standby1", with_standby("standby1")));
    all.merge(m.migration_incoming_finish());
    ASSERT_EQ(all.events.size(), 3u);
    EXPECT_EQ(all.events[0].data["device-id"], "standby0");
    EXPECT_EQ(all.events[1].data["device-id"], "standby1");
    EXPECT_EQ(all.events[2].name, "RESUME");
    for (const char* id : {"standby0", "primary0", "standby1", "primary1"}) EXPECT_FALSE(card_absent(m, id)) << id;
}

TEST_F(IncomingHooks, Acceptance26_SourceNeverAckedStaysHidden) {
    destination_pair(0);
    m.start(RunState::InMigrate);
    Outcome all = m.migration_incoming_load_standby("standby0", with_standby("standby0") & ~kFeatureStandby);
    all.merge(m.migration_incoming_finish());
    EXPECT_EQ(count_events(all, "FAILOVER_NEGOTIATED"), 0);
    EXPECT_EQ(count_events(all, "RESUME"), 1);
    EXPECT_TRUE(card_absent(m, "primary0"));
}

TEST_F(IncomingHooks, Acceptance27_FailoverOffBothPresent) {
    destination_pair(0, /*failover=*/false);
    m.start(RunState::InMigrate);
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
    m.migration_incoming_load_standby("standby0", with_standby("standby0"));
    m.migration_incoming_finish();
    EXPECT_TRUE(card_present(m, "standby0", kMacStandby0));
    EXPECT_TRUE(card_present(m, "primary0", kMacPrimary0));
}

}  // namespace
}  // namespace nf::device::test
