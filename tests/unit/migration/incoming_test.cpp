// The destination state machine: QEMU's qtest rows 13, 15, 18, 24 and acceptance scenarios 24–27, 32, 36 at
// the core level, and a broken or hostile stream failing the load with a clear error.
#include "migration_fixture.h"

namespace nf::migration::test {
namespace {

using device::PlugPrimary;
using device::test::card_absent;
using device::test::card_present;
using V = std::vector<std::string>;

// A stream as a source with these standbys would send it.
Bytes stream_for(const std::vector<device::DeviceRecord>& records, Capabilities caps = {}, bool eof = true) {
    Bytes out = encode_stream_header();
    put_bytes(out, encode_section(SectionType::Config, encode_config(caps)));
    for (const auto& r : records) put_bytes(out, encode_section(SectionType::Device, encode_device_section(r)));
    if (eof) put_bytes(out, encode_eof());
    return out;
}

device::DeviceRecord standby_record(const std::string& id, const char* mac, bool standby_acked, bool failover = true) {
    std::uint64_t features = device::kBaseFeatures;
    if (standby_acked && failover) features |= device::kFeatureStandby;
    return device::encode_standby_record(id, {features, true, MacAddress::parse(mac)});
}

class Incoming : public ::testing::Test {
protected:
    Destination dst;
    void SetUp() override { dst.capabilities(true, false, false); }
};

TEST_F(Incoming, QtestRow13_Acceptance24_NegotiatedStandbyPlugsPrimaryBeforeResume) {
    dst.pairs(1);
    EXPECT_TRUE(card_absent(dst.machine, "primary0"));
    ASSERT_TRUE(dst.start().ok());
    dst.feed(stream_for({standby_record("standby0", kMacStandby0, true)}));
    EXPECT_EQ(event_names(dst.events), (V{"MIGRATION(setup)", "MIGRATION(active)", "FAILOVER_NEGOTIATED(standby0)",
                                          "RESUME", "MIGRATION(completed)"}));
    EXPECT_TRUE(dst.has_device_action(PlugPrimary{"primary0", kMacPrimary0}));
    EXPECT_TRUE(card_present(dst.machine, "primary0", kMacPrimary0));
    EXPECT_TRUE(card_present(dst.machine, "standby0", kMacStandby0));
    EXPECT_EQ(dst.migration.status(), Status::Completed);
    EXPECT_EQ(dst.count<Announce>(), 1);
    EXPECT_TRUE(dst.closed);
    EXPECT_FALSE(dst.armed(Timer::IncomingStall));
}

TEST_F(Incoming, QtestRow15_Acceptance27_FailoverOffBothPresent) {
    dst.pairs(1, /*failover=*/false);
    EXPECT_TRUE(card_present(dst.machine, "primary0", kMacPrimary0));
    dst.start();
    dst.feed(stream_for({standby_record("standby0", kMacStandby0, false, false),
                         standby_record("primary0", kMacPrimary0, false, false)}));
    EXPECT_EQ(dst.migration.status(), Status::Completed);
    EXPECT_TRUE(card_present(dst.machine, "primary0", kMacPrimary0));
    EXPECT_TRUE(card_present(dst.machine, "standby0", kMacStandby0));
    EXPECT_EQ(event_names(dst.events), (V{"MIGRATION(setup)", "MIGRATION(active)", "RESUME", "MIGRATION(completed)"}));
}

TEST_F(Incoming, QtestRow18_Acceptance26_NeverAckedPrimaryStaysHidden) {
    dst.pairs(1);
    dst.start();
    dst.feed(stream_for({standby_record("standby0", kMacStandby0, false)}));
    EXPECT_EQ(dst.migration.status(), Status::Completed);
    EXPECT_TRUE(card_absent(dst.machine, "primary0"));
    EXPECT_EQ(event_names(dst.events), (V{"MIGRATION(setup)", "MIGRATION(active)", "RESUME", "MIGRATION(completed)"}));
}

TEST_F(Incoming, QtestRow24_Acceptance25_TwoPairsInLoadOrder) {
    dst.pairs(2);
    dst.start();
    dst.feed(stream_for({standby_record("standby0", kMacStandby0, true), standby_record("standby1", kMacStandby1, true)}));
    EXPECT_EQ(event_names(dst.events),
              (V{"MIGRATION(setup)", "MIGRATION(active)", "FAILOVER_NEGOTIATED(standby0)",
                 "FAILOVER_NEGOTIATED(standby1)", "RESUME", "MIGRATION(completed)"}));
    for (auto [id, mac] : {std::pair{"standby0", kMacStandby0}, {"primary0", kMacPrimary0}, {"standby1", kMacStandby1},
                           {"primary1", kMacPrimary1}})
        EXPECT_TRUE(card_present(dst.machine, id, mac)) << id;
}

TEST_F(Incoming, ByteByByteLoadsTheSame) {
    dst.pairs(1);
    dst.start();
    const Bytes stream = stream_for({standby_record("standby0", kMacStandby0, true)});
    for (std::byte b : stream) dst.feed(ByteView(&b, 1));
    EXPECT_EQ(dst.migration.status(), Status::Completed);
    EXPECT_TRUE(card_present(dst.machine, "primary0", kMacPrimary0));
}

TEST_F(Incoming, AutostartOffLeavesGuestPausedButSendsVmStarted) {
    dst.capabilities(true, true, false);
    dst.pairs(1);
    dst.start(/*autostart=*/false);
    dst.feed(stream_for({standby_record("standby0", kMacStandby0, true)}, {false, true, false}));
    EXPECT_EQ(dst.machine.run_state(), device::RunState::Paused);
    EXPECT_FALSE(dst.migration.guest_started());
    Bytes expected = encode_vm_started();
    put_bytes(expected, encode_shut(0));
    EXPECT_EQ(dst.written, expected);
}

TEST_F(Incoming, Acceptance32_NetpassOnOneSideOnlyFailsTheLoad) {
    dst.capabilities(true, true, false);
    dst.pairs(1);
    dst.start();
    dst.feed(stream_for({standby_record("standby0", kMacStandby0, true)}, {false, true, true}));
    EXPECT_EQ(dst.migration.status(), Status::Failed);
    EXPECT_EQ(dst.migration.error(), "Capability netpass is off, but received capability is on");
    EXPECT_EQ(dst.migration.query(dst.now)["error-desc"], "Capability netpass is off, but received capability is on");
    EXPECT_TRUE(card_absent(dst.machine, "primary0")) << "nothing loaded after the mismatch";
    EXPECT_EQ(dst.written, encode_shut(1)) << "the source is told, and resumes its own guest";
    EXPECT_EQ(dst.machine.run_state(), device::RunState::InMigrate) << "the guest never starts here";
}

TEST_F(Incoming, DeviceRecordErrorsFailTheLoad) {
    struct Case { device::DeviceRecord record; std::string error; };
    device::DeviceRecord wrong_kind = standby_record("standby0", kMacStandby0, true);
    wrong_kind.kind = "virtio-blk";
    device::DeviceRecord wrong_version = standby_record("standby0", kMacStandby0, true);
    wrong_version.version = 9;
    device::DeviceRecord short_data = standby_record("standby0", kMacStandby0, true);
    short_data.data.pop_back();
    const std::vector<Case> cases{
        {standby_record("nosuch", kMacStandby0, true), "Unknown device 'nosuch' in the migration stream"},
        {standby_record("standby0", kMacStandby1, true), "device 'standby0': MAC 52:54:00:44:44:44 in the stream differs "
                                                         "from the local 52:54:00:22:22:22"},
        {wrong_kind, "device 'standby0': record kind 'virtio-blk' is not virtio-net-standby"},
        {wrong_version, "device 'standby0': unsupported virtio-net-standby record version 9"},
        {short_data, "device 'standby0': record of 14 bytes (expected 15)"},
    };
    for (const auto& c : cases) {
        Destination d;
        d.pairs(1);
        d.start();
        d.feed(stream_for({c.record}));
        EXPECT_EQ(d.migration.status(), Status::Failed) << c.error;
        EXPECT_EQ(d.migration.error(), c.error);
        EXPECT_TRUE(card_absent(d.machine, "primary0"));
    }
}

TEST_F(Incoming, StandbyFeaturesTheDestinationDoesNotOfferFailWithQemuText) {
    dst.pairs(1, /*failover=*/false);
    dst.start();
    dst.feed(stream_for({standby_record("standby0", kMacStandby0, true)}));
    EXPECT_EQ(dst.migration.status(), Status::Failed);
    EXPECT_EQ(dst.migration.error(), "Features 0x4000000100018021 unsupported. Allowed features: 0x100018021");
}

TEST_F(Incoming, MalformedStreamsFailWithNamedErrors) {
    const Bytes good = stream_for({standby_record("standby0", kMacStandby0, true)});
    Bytes bad_magic = good;
    bad_magic[0] = std::byte{'X'};
    Bytes bad_version = good;
    bad_version[7] = std::byte{2};
    Bytes oversized = encode_stream_header();
    put_bytes(oversized, Bytes{std::byte{1}, std::byte{0x7f}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff}});
    Bytes garbage_type = encode_stream_header();
    put_bytes(garbage_type, Bytes{std::byte{0x99}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}});
    const std::vector<std::pair<Bytes, std::string>> cases{
        {bad_magic, "migration stream: not a migration stream: bad magic 0x58464d47 (expected 0x4e464d47)"},
        {bad_version, "migration stream: unsupported stream version 2 (this VMM reads version 1)"},
        {oversized, "migration stream: config section of 2147483647 bytes exceeds the limit of 16777216 bytes"},
        {garbage_type, "migration stream: unknown section type 153"},
    };
    for (const auto& [bytes, error] : cases) {
        Destination d;
        d.pairs(1);
        d.start();
        d.feed(bytes);
        EXPECT_EQ(d.migration.status(), Status::Failed) << error;
        EXPECT_EQ(d.migration.error(), error);
        EXPECT_TRUE(d.closed);
        EXPECT_TRUE(card_absent(d.machine, "primary0"));
    }
}

TEST_F(Incoming, TruncatedStreamFailsWhenClosed) {
    dst.pairs(1);
    dst.start();
    const Bytes stream = stream_for({standby_record("standby0", kMacStandby0, true)}, {}, /*eof=*/false);
    dst.feed(ByteView(stream).first(stream.size() - 3));
    EXPECT_EQ(dst.migration.status(), Status::Active);
    dst.apply(dst.migration.stream_closed(dst.now));
    EXPECT_EQ(dst.migration.status(), Status::Failed);
    EXPECT_EQ(dst.migration.error(), "migration stream: stream truncated: 44 of 47 bytes of a device section");
    EXPECT_EQ(dst.machine.run_state(), device::RunState::InMigrate);
}

TEST_F(Incoming, StalledStreamFailsAtTheBound) {
    dst.settings.set_parameters({{"x-incoming-stall-timeout", 2000}}, false);
    dst.pairs(1);
    dst.start();
    dst.apply(dst.migration.stream_connected(dst.now));
    dst.feed(encode_stream_header());
    dst.advance(Millis{1999});
    EXPECT_EQ(dst.migration.status(), Status::Active);
    dst.advance(Millis{1});
    EXPECT_EQ(dst.migration.status(), Status::Failed);
    EXPECT_EQ(dst.migration.error(), "migration stream stalled: no data for 2000 ms (x-incoming-stall-timeout)");
}

TEST_F(Incoming, SecondMigrateIncomingRefused) {
    dst.pairs(1);
    dst.start();
    const Outcome again = dst.start();
    ASSERT_NE(again.error(), nullptr);
    EXPECT_EQ(again.error()->desc, "The incoming migration has already been started");
}

class IncomingNetpass : public ::testing::Test {
protected:
    Destination dst;
    void SetUp() override {
        dst.capabilities(true, true, true);
        dst.pairs(1);
        dst.start();
        dst.feed(stream_for({standby_record("standby0", kMacStandby0, true)}, {false, true, true}));
    }
    Bytes tail(const std::vector<NetpassFrame>& frames) {
        Bytes out = encode_section(SectionType::Netpass, encode_records(frames));
        put_bytes(out, encode_eof());
        return out;
    }
};

TEST_F(IncomingNetpass, Acceptance34_CachedFramesBeforeFramesThatArrivedAtTheDestination) {
    EXPECT_EQ(dst.migration.status(), Status::Active) << "waiting for the netpass tail";
    EXPECT_EQ(dst.written, encode_vm_started());
    EXPECT_TRUE(dst.migration.guest_started());
    // The announce moved the switch: the destination's own frames arrive before the cache does.
    dst.arrive(frame(100));
    dst.arrive(frame(101));
    EXPECT_TRUE(dst.delivered.empty()) << "held until the cached frames are in";
    dst.feed(tail({frame(1), frame(2), frame(3)}));
    ASSERT_EQ(dst.delivered.size(), 5u);
    EXPECT_EQ(dst.delivered, (std::vector<NetpassFrame>{frame(1), frame(2), frame(3), frame(100), frame(101)}));
    EXPECT_EQ(dst.ordering.counters().injected, 3u);
    EXPECT_EQ(dst.ordering.counters().held, 2u);
    dst.arrive(frame(102));
    EXPECT_EQ(dst.delivered.back(), frame(102)) << "after the injection, frames pass straight through";
    EXPECT_EQ(dst.migration.status(), Status::Completed);
    Bytes rp = encode_vm_started();
    put_bytes(rp, encode_shut(0));
    EXPECT_EQ(dst.written, rp);
    EXPECT_EQ(event_names(dst.events), (V{"MIGRATION(setup)", "MIGRATION(active)", "FAILOVER_NEGOTIATED(standby0)",
                                          "RESUME", "MIGRATION(completed)"}));
}

TEST_F(IncomingNetpass, Acceptance36_BadNetpassSectionIsAWarningNotAFailure) {
    dst.arrive(frame(100));
    Bytes records = encode_records({frame(1)});
    put_bytes(records, Bytes{std::byte{0}, std::byte{0}, std::byte{0}, std::byte{99}});  // truncated record header
    Bytes bad = encode_section(SectionType::Netpass, records);
    put_bytes(bad, encode_eof());
    dst.feed(bad);
    EXPECT_EQ(dst.migration.status(), Status::Completed);
    EXPECT_TRUE(dst.warned("Error while loading netpass data, this error will be ignored: netpass record 1: truncated"));
    EXPECT_EQ(dst.delivered, (std::vector<NetpassFrame>{frame(1), frame(100)})) << "the whole records still go first";
}

TEST_F(IncomingNetpass, Acceptance36_MissingTailReleasesHeldFramesAtTheBound) {
    dst.arrive(frame(100));
    dst.advance(Millis{10000});
    EXPECT_EQ(dst.migration.status(), Status::Completed);
    EXPECT_TRUE(dst.warned("no netpass data within 10000 ms"));
    EXPECT_EQ(dst.delivered, (std::vector<NetpassFrame>{frame(100)}));
    EXPECT_FALSE(dst.ordering.holding());
}

TEST_F(IncomingNetpass, Acceptance36_StreamClosedBeforeTailStillCompletes) {
    dst.apply(dst.migration.stream_closed(dst.now));
    EXPECT_EQ(dst.migration.status(), Status::Completed);
    EXPECT_TRUE(dst.warned("stream closed before the netpass EOF"));
}

TEST_F(IncomingNetpass, Acceptance39_NetpassEndsWithTheMigration) {
    dst.feed(tail({frame(1)}));
    EXPECT_EQ(dst.count<NetpassEnd>(), 1);
    EXPECT_EQ(dst.count<NetpassHold>(), 1);
}

TEST_F(IncomingNetpass, HoldQueueIsBoundedAndCounted) {
    for (int i = 0; i < 70; ++i) dst.arrive(frame(200 + i));
    EXPECT_EQ(dst.ordering.held_frames(), 64u);
    EXPECT_EQ(dst.ordering.counters().dropped, 6u);
    dst.feed(tail({}));
    EXPECT_EQ(dst.delivered.size(), 64u);
}

}  // namespace
}  // namespace nf::migration::test
