#include "lab/traffic/wire.h"

#include <gtest/gtest.h>

#include <vector>

#include "lab/traffic/recorder.h"

namespace nf::lab {
namespace {

PacketHeader sample_header() { return {0xA1B2C3D4, Direction::VmToClient, 0x0102030405060708ull, 1'234'567'890'123, 7}; }

TEST(Wire, RoundTripsThroughPaddedDatagram) {
    std::vector<std::byte> datagram(200, std::byte{0xee});
    encode(sample_header(), datagram);
    const DecodeResult decoded = decode(datagram);
    ASSERT_TRUE(decoded.header);
    EXPECT_EQ(*decoded.header, sample_header());
    for (std::size_t i = PacketHeader::kSize; i < datagram.size(); ++i) EXPECT_EQ(datagram[i], std::byte{0});
}

TEST(Wire, IsBigEndianWithMagicFirst) {
    std::vector<std::byte> datagram(PacketHeader::kSize);
    encode(sample_header(), datagram);
    EXPECT_EQ(datagram[0], std::byte{'N'});
    EXPECT_EQ(datagram[3], std::byte{'R'});
    EXPECT_EQ(datagram[16], std::byte{0x01});  // sequence, most significant byte first
    EXPECT_EQ(datagram[23], std::byte{0x08});
}

TEST(Wire, EncodeRefusesBufferSmallerThanHeader) {
    std::vector<std::byte> datagram(PacketHeader::kSize - 1);
    EXPECT_THROW(encode(sample_header(), datagram), std::invalid_argument);
}

TEST(Wire, RejectsShortWrongMagicVersionAndDirection) {
    std::vector<std::byte> good(64);
    encode(sample_header(), good);

    EXPECT_EQ(decode(std::span(good).first(PacketHeader::kSize - 1)).error, DecodeError::Short);
    EXPECT_EQ(decode({}).error, DecodeError::Short);

    auto bad_magic = good;
    bad_magic[0] = std::byte{'X'};
    EXPECT_FALSE(decode(bad_magic).header);
    EXPECT_EQ(decode(bad_magic).error, DecodeError::BadMagic);

    auto bad_version = good;
    bad_version[4] = std::byte{2};
    EXPECT_EQ(decode(bad_version).error, DecodeError::BadVersion);

    auto bad_direction = good;
    bad_direction[5] = std::byte{9};
    EXPECT_EQ(decode(bad_direction).error, DecodeError::BadDirection);
}

TEST(Wire, RecorderCountsAndIgnoresMalformedDatagrams) {
    Recorder recorder({.capacity_per_stream = 16});
    std::vector<std::byte> good(64);
    encode({1, Direction::ClientToVm, 3, 100, 0}, good);
    auto bad_magic = good;
    bad_magic[1] = std::byte{0};

    recorder.on_datagram(std::span(good).first(10), 200);
    recorder.on_datagram(bad_magic, 200);
    recorder.on_datagram(good, 250);

    const RecorderCounters counters = recorder.counters();
    EXPECT_EQ(counters.datagrams, 3u);
    EXPECT_EQ(counters.short_datagrams, 1u);
    EXPECT_EQ(counters.bad_magic, 1u);
    EXPECT_EQ(counters.accepted, 1u);
    ASSERT_EQ(recorder.streams().size(), 1u);
    const auto entries = recorder.entries({1, Direction::ClientToVm});
    EXPECT_EQ(entries[3].copies, 1u);
    EXPECT_EQ(entries[3].first_rx_ns - entries[3].send_ns, 150);
}

TEST(Wire, DirectionNamesParseBack) {
    for (const Direction d : {Direction::ClientToVm, Direction::VmToClient})
        EXPECT_EQ(parse_direction(to_string(d)), d);
    EXPECT_EQ(parse_direction("v2c"), Direction::VmToClient);
    EXPECT_FALSE(parse_direction("sideways"));
}

}  // namespace
}  // namespace nf::lab
