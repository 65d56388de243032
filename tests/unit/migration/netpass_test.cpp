// Netpass: QEMU's record framing, the bounded counted cache, the tail split at section limits, the
// destination ordering helper, and the downtime clock.
#include <gtest/gtest.h>

#include "migration_fixture.h"

namespace nf::migration::test {
namespace {

TEST(NetpassRecords, QemuFramingAndRoundTrip) {
    const NetpassFrame f = frame(1);
    const Bytes encoded = encode_records({f});
    ASSERT_EQ(encoded.size(), 8u + 72u);
    EXPECT_EQ(get_be32(encoded, 0), 72u) << "payload length = vnet header + frame";
    EXPECT_EQ(get_be32(encoded, 4), 12u) << "vnet header length";
    const auto decoded = decode_records(encode_records({frame(1), frame(2, 1500), frame(3, 14)}));
    EXPECT_EQ(decoded.error, "");
    EXPECT_EQ(decoded.frames, (std::vector<NetpassFrame>{frame(1), frame(2, 1500), frame(3, 14)}));
    EXPECT_TRUE(decode_records({}).frames.empty());
}

TEST(NetpassRecords, MalformedRecordsNamedAndPrefixKept) {
    auto after_one = [](Bytes tail) {
        Bytes b = encode_records({frame(1)});
        put_bytes(b, tail);
        return b;
    };
    Bytes vnet_too_long;
    put_be32(vnet_too_long, 20);
    put_be32(vnet_too_long, 21);
    put_bytes(vnet_too_long, Bytes(20));
    Bytes runt;
    put_be32(runt, 20);
    put_be32(runt, 12);
    put_bytes(runt, Bytes(20));
    Bytes past_end;
    put_be32(past_end, 100);
    put_be32(past_end, 0);
    put_bytes(past_end, Bytes(50));
    Bytes giant;
    put_be32(giant, 0xffffffff);
    put_be32(giant, 0);
    const std::vector<std::pair<Bytes, std::string>> cases{
        {Bytes(5), "netpass record 1: truncated header (5 bytes)"},
        {vnet_too_long, "netpass record 1: vnet header of 21 bytes in a 20-byte payload"},
        {runt, "netpass record 1: 8-byte frame is shorter than an Ethernet header"},
        {past_end, "netpass record 1: 100 bytes announced, 50 left"},
        {giant, "netpass record 1: 4294967295 bytes exceeds the frame limit of 65600"},
    };
    for (const auto& [tail, error] : cases) {
        const auto got = decode_records(after_one(tail));
        EXPECT_EQ(got.error, error);
        EXPECT_EQ(got.frames, std::vector<NetpassFrame>{frame(1)});
    }
    const auto limited = decode_records(encode_records({frame(1), frame(2), frame(3)}), {2, 1 << 20});
    EXPECT_EQ(limited.frames.size(), 2u);
    EXPECT_EQ(limited.error, "netpass record 2: over the limit of 2 frames / 1048576 bytes");
    EXPECT_EQ(decode_records(encode_records({frame(1), frame(2)}), {10, 100}).frames.size(), 1u);
}

TEST(NetpassCache, KeepsOnlyWhileCapturingBoundedAndCounted) {
    NetpassCache cache({3, 1000});
    EXPECT_FALSE(cache.keep(frame(1).bytes, 12)) << "not capturing: the running guest gets its frames";
    EXPECT_EQ(cache.counters().dropped, 0u);
    cache.start();
    EXPECT_TRUE(cache.keep(frame(1).bytes, 12));
    EXPECT_TRUE(cache.keep(frame(2).bytes, 12));
    EXPECT_FALSE(cache.keep(frame(3, 1000).bytes, 12)) << "over the byte bound";
    EXPECT_TRUE(cache.keep(frame(4).bytes, 12));
    EXPECT_FALSE(cache.keep(frame(5).bytes, 12)) << "over the frame bound";
    EXPECT_FALSE(cache.keep(Bytes(10), 12)) << "malformed";
    EXPECT_EQ(cache.frames(), 3u);
    EXPECT_EQ(cache.bytes(), 216u);
    EXPECT_EQ(cache.counters().kept, 3u);
    EXPECT_EQ(cache.counters().dropped, 3u);
}

TEST(NetpassCache, TailSplitsAtSectionLimitAndEndsWithEof) {
    NetpassCache cache;
    cache.start();
    for (int i = 0; i < 10; ++i) cache.keep(frame(i, 1000).bytes, 12);
    const Bytes tail = cache.take_tail(2100);  // two 1020-byte records per section
    EXPECT_FALSE(cache.capturing());
    EXPECT_EQ(cache.counters().sent, 10u);
    EXPECT_EQ(cache.frames(), 0u);
    // Read it as the tail of a stream.
    Bytes stream = encode_stream_header();
    put_bytes(stream, encode_section(SectionType::Config, encode_config({})));
    put_bytes(stream, encode_eof());
    put_bytes(stream, tail);
    StreamReader reader({2100, 100});
    std::vector<NetpassFrame> frames;
    int netpass_sections = 0;
    ByteView rest = stream;
    while (!rest.empty()) {
        auto step = reader.next(rest);
        ASSERT_NE(step.kind, StreamReader::Step::Kind::Error) << step.error;
        rest = rest.subspan(step.consumed);
        if (step.section && step.section->type == SectionType::Netpass) {
            ++netpass_sections;
            for (auto& f : decode_records(step.section->payload).frames) frames.push_back(f);
        }
    }
    EXPECT_EQ(netpass_sections, 5);
    EXPECT_EQ(reader.eofs_seen(), 2);
    ASSERT_EQ(frames.size(), 10u);
    for (int i = 0; i < 10; ++i) EXPECT_EQ(frames[i], frame(i, 1000));
}

TEST(NetpassCache, EmptyTailIsJustEof) {
    NetpassCache cache;
    EXPECT_EQ(cache.take_tail(1024), encode_eof());
}

TEST(NetpassCache, TakeFramesReturnsToGuestAndRestartClears) {
    NetpassCache cache;
    cache.start();
    cache.keep(frame(1).bytes, 12);
    EXPECT_EQ(cache.take_frames(), std::vector<NetpassFrame>{frame(1)});
    EXPECT_EQ(cache.counters().returned, 1u);
    cache.start();
    EXPECT_EQ(cache.frames(), 0u);
}

TEST(NetpassOrdering, PassThroughUnlessHolding) {
    NetpassOrdering ordering;
    EXPECT_EQ(ordering.arrived(frame(1)), std::vector<NetpassFrame>{frame(1)});
    ordering.hold();
    EXPECT_TRUE(ordering.arrived(frame(2)).empty());
    EXPECT_EQ(ordering.inject({frame(9)}), (std::vector<NetpassFrame>{frame(9), frame(2)}));
    EXPECT_EQ(ordering.arrived(frame(3)), std::vector<NetpassFrame>{frame(3)});
    ordering.hold();
    ordering.arrived(frame(4));
    EXPECT_EQ(ordering.release(), std::vector<NetpassFrame>{frame(4)});
    EXPECT_EQ(ordering.counters().injected, 1u);
    EXPECT_EQ(ordering.counters().held, 2u);
}

TEST(NetpassOrdering, HoldBoundByBytes) {
    NetpassOrdering ordering({100, 200});
    ordering.hold();
    ordering.arrived(frame(1));  // 72 bytes
    ordering.arrived(frame(2));  // 144
    ordering.arrived(frame(3));  // 216 > 200: dropped
    EXPECT_EQ(ordering.held_frames(), 2u);
    EXPECT_EQ(ordering.counters().dropped, 1u);
}

TEST(DowntimeClock, StartsOnceEndsOnceNeverOverwritten) {
    DowntimeClock clock;
    const Time t0{};
    clock.end(t0 + Millis{5}, DowntimeEnd::Completion);
    EXPECT_FALSE(clock.ended()) << "no end without a start";
    clock.start(t0 + Millis{10});
    clock.start(t0 + Millis{20});
    clock.end(t0 + Millis{50}, DowntimeEnd::VmStarted);
    clock.end(t0 + Millis{900}, DowntimeEnd::Completion);
    EXPECT_EQ(clock.downtime(), Millis{40});
    EXPECT_EQ(clock.ended_by(), DowntimeEnd::VmStarted);
}

}  // namespace
}  // namespace nf::migration::test
