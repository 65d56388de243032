// The guest device channel: encoding round trips, exact wire form, decode errors, and the model glue.
#include <gtest/gtest.h>

#include "device/channel_protocol.h"
#include "device/guest_channel.h"
#include "machine_fixture.h"

namespace nf::device::channel {
namespace {

TEST(ChannelProtocol, RoundTripsEveryMessage) {
    const std::vector<Message> messages{
        Hello{1, {DeviceInfo{"standby0", Role::Standby, "52:54:00:22:22:22", kBaseFeatures | kFeatureStandby},
                  DeviceInfo{"primary0", Role::Primary, "52:54:00:11:11:11", 0}}},
        SetFeatures{"standby0", kFeatureStandby | 1},
        DriverOk{"standby0"},
        Reset{"standby0"},
        EjectRequest{"primary0"},
        EjectAck{"primary0"},
        EjectCancel{"primary0"},
        Plugged{DeviceInfo{"primary0", Role::Primary, "52:54:00:11:11:11", 0}},
        Unplugged{"primary0", RemovalMode::Surprise},
    };
    for (const auto& message : messages) {
        const std::string line = encode(message);
        ASSERT_EQ(line.back(), '\n');
        EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line per message";
        EXPECT_EQ(decode(line), message) << line;
    }
}

TEST(ChannelProtocol, WireFormKeepsBit62Exact) {
    EXPECT_EQ(encode(SetFeatures{"standby0", kFeatureStandby}),
              "{\"device\":\"standby0\",\"features\":\"0x4000000000000000\",\"type\":\"set_features\"}\n");
    const auto decoded = decode(R"({"type":"set_features","device":"s","features":"0xffffffffffffffff"})");
    EXPECT_EQ(std::get<SetFeatures>(decoded).features, ~std::uint64_t{0});
}

TEST(ChannelProtocol, DecodeErrorsNameTheProblem) {
    const auto message_of = [](std::string_view line) -> std::string {
        try {
            decode(line);
        } catch (const ProtocolError& e) {
            return e.what();
        }
        return "<decoded>";
    };
    EXPECT_EQ(message_of("{not json").rfind("channel message is not valid JSON: ", 0), 0u);
    // Issue 9: overflow, depth, bad UTF-8, NUL bytes and out-of-range numbers are ProtocolErrors.
    EXPECT_EQ(message_of(R"({"type":"hello","version":1e999,"devices":[]})"),
              "channel message is not valid JSON: number overflow parsing '1e999'");
    EXPECT_EQ(message_of(std::string(64, '[')), "channel message is not valid JSON: JSON nested deeper than 32 levels");
    EXPECT_EQ(message_of("{\"type\":\"reset\",\"device\":\"\xc3\x28\"}").rfind("channel message is not valid JSON: ", 0), 0u);
    EXPECT_EQ(message_of(std::string("{\"type\":\0}", 10)).rfind("channel message is not valid JSON: ", 0), 0u);
    EXPECT_EQ(message_of(R"({"type":"hello","version":4294967297,"devices":[]})"), "hello 'version' is out of range");
    EXPECT_EQ(message_of(R"({"type":"hello","version":-1,"devices":[]})"), "hello 'version' is out of range");
    EXPECT_EQ(message_of(R"({"type":"hello","version":1,"devices":[1]})"), "a device must be an object");
    EXPECT_EQ(message_of(R"({"type":"plugged","device":[]})"), "a device must be an object");
    EXPECT_EQ(message_of(R"({"type":"set_features","device":"s","features":"0x10000000000000000"})"),
              "features must be a hex string like \"0x1\", got '0x10000000000000000'");
    EXPECT_EQ(message_of("[1]"), "channel message must be a JSON object");
    EXPECT_EQ(message_of(R"({"device":"x"})"), "missing string field 'type'");
    EXPECT_EQ(message_of(R"({"type":"warp"})"), "unknown channel message type 'warp'");
    EXPECT_EQ(message_of(R"({"type":"set_features","device":"s","features":12})"), "missing string field 'features'");
    EXPECT_EQ(message_of(R"({"type":"set_features","device":"s","features":"12"})"),
              "features must be a hex string like \"0x1\", got '12'");
    EXPECT_EQ(message_of(R"({"type":"unplugged","device":"p","mode":"gentle"})"), "unknown unplug mode 'gentle'");
}

TEST(GuestChannel, HelloListsPluggedNicsInPciOrder) {
    Machine m = test::qtest_machine();
    ASSERT_TRUE(m.cold_plug(test::standby_args("standby0", "root0", test::kMacStandby0)).ok());
    ASSERT_TRUE(m.cold_plug(test::primary_args("primary0", "root1", test::kMacPrimary0, "standby0")).ok());
    ASSERT_TRUE(m.cold_plug({{"driver", "virtio-blk-pci"}, {"id", "disk0"}, {"bus", "root2"}}).ok());
    m.start();
    const Hello hidden = hello_for(m);
    ASSERT_EQ(hidden.devices.size(), 1u) << "hidden primary and non-NIC devices are not announced";
    EXPECT_EQ(hidden.devices[0], (DeviceInfo{"standby0", Role::Standby, test::kMacStandby0,
                                             kBaseFeatures | kFeatureStandby}));
    test::driver_start(m, "standby0");
    const Hello both = hello_for(m);
    ASSERT_EQ(both.devices.size(), 2u);
    EXPECT_EQ(both.devices[1], (DeviceInfo{"primary0", Role::Primary, test::kMacPrimary0, 0}));
}

TEST(GuestChannel, GuestMessagesDriveTheModel) {
    Machine m = test::qtest_machine();
    ASSERT_TRUE(m.cold_plug(test::standby_args("standby0", "root0", test::kMacStandby0)).ok());
    ASSERT_TRUE(m.cold_plug(test::primary_args("primary0", "root1", test::kMacPrimary0, "standby0")).ok());
    m.start();
    const Outcome negotiated = apply_guest_message(m, decode(encode(SetFeatures{"standby0", kFeatureStandby})));
    ASSERT_EQ(negotiated.actions.size(), 1u);
    EXPECT_EQ(guest_message_for(m, negotiated.actions[0]),
              std::optional<Message>(Plugged{DeviceInfo{"primary0", Role::Primary, test::kMacPrimary0, 0}}));
    EXPECT_TRUE(apply_guest_message(m, DriverOk{"standby0"}).actions.empty());

    const Outcome del = m.device_del({{"id", "primary0"}});
    EXPECT_EQ(guest_message_for(m, del.actions.at(0)), std::optional<Message>(EjectRequest{"primary0"}));
    const Outcome acked = apply_guest_message(m, EjectAck{"primary0"});
    EXPECT_EQ(guest_message_for(m, acked.actions.at(0)),
              std::optional<Message>(Unplugged{"primary0", RemovalMode::Orderly}));
    EXPECT_TRUE(test::card_absent(m, "primary0"));
    EXPECT_THROW(apply_guest_message(m, EjectRequest{"primary0"}), ProtocolError);
}

}  // namespace
}  // namespace nf::device::channel
