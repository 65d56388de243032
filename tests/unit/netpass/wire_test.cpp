#include <gtest/gtest.h>

#include "netpass/bounds.h"
#include "netpass/wire.h"

namespace nf::netpass {
namespace {

std::vector<std::uint8_t> bytes(std::initializer_list<int> l) {
    std::vector<std::uint8_t> v;
    for (int x : l) v.push_back(static_cast<std::uint8_t>(x));
    return v;
}

TEST(NetpassWire, RoundTripInPiecesOfOneByte) {
    std::vector<std::uint8_t> stream;
    for (const auto& m : {encode_json(MessageType::Hello, {{"session", "s1"}}), encode(MessageType::Frame, bytes({1, 2, 3})),
                          encode_json(MessageType::End, {{"kept", 3}})})
        stream.insert(stream.end(), m.begin(), m.end());
    Decoder d;
    std::vector<Message> got;
    for (auto b : stream) {
        d.feed(std::span(&b, 1));
        while (auto m = d.next()) got.push_back(*m);
    }
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].type, MessageType::Hello);
    EXPECT_EQ(got[0].json().at("session"), "s1");
    EXPECT_EQ(got[1].payload, bytes({1, 2, 3}));
    EXPECT_EQ(got[2].json().at("kept"), 3);
    EXPECT_EQ(d.buffered(), 0u);
}

TEST(NetpassWire, GarbageIsAClearError) {
    const auto fails = [](std::vector<std::uint8_t> in, const std::string& expect) {
        Decoder d;
        d.feed(in);
        try {
            d.next();
            ADD_FAILURE() << "accepted: " << expect;
        } catch (const ProtocolError& e) {
            EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
        }
        EXPECT_THROW(d.next(), ProtocolError);  // and stays failed
    };
    fails(bytes({'G', 'E', 'T', ' ', '/', ' ', 'H', 'T'}), "bad magic");
    fails(bytes({'N', 'P', 9, 2, 0, 0, 0, 1, 0}), "protocol version 9");
    fails(bytes({'N', 'P', 1, 7, 0, 0, 0, 0}), "unknown message type 7");
    fails(bytes({'N', 'P', 1, 2, 0, 1, 0, 1}), "FRAME of 65537 bytes is over the limit of 16384");
    fails(bytes({'N', 'P', 1, 1, 0, 0, 16, 1}), "HELLO of 4097 bytes is over the limit");
    fails(bytes({'N', 'P', 1, 2, 0, 0, 0, 0}), "empty FRAME");
}

TEST(NetpassWire, NotJsonWhereJsonBelongs) {
    Decoder d;
    d.feed(encode(MessageType::Hello, bytes({'[', '1', ']'})));
    auto m = d.next();
    ASSERT_TRUE(m);
    EXPECT_THROW(m->json(), ProtocolError);
}

TEST(NetpassWire, LimitsOnEncodeAndFeed) {
    std::vector<std::uint8_t> big(kMaxFramePayload + 1, 0);
    EXPECT_THROW(encode(MessageType::Frame, big), ProtocolError);
    EXPECT_NO_THROW(encode(MessageType::Frame, std::span(big).first(kMaxFramePayload)));
    Decoder d;
    std::vector<std::uint8_t> huge(Decoder::kMaxFeed + 1, 0);
    EXPECT_THROW(d.feed(huge), ProtocolError);
    // Undrained input is bounded too.
    Decoder e;
    std::vector<std::uint8_t> chunk(Decoder::kMaxFeed, 'x');
    e.feed(chunk);
    EXPECT_THROW(e.feed(chunk), ProtocolError);
}

TEST(NetpassBounds, Validation) {
    EXPECT_EQ(bounds_problem(Bounds{}), "");
    Bounds b;
    b.max_frames = 0;
    EXPECT_NE(bounds_problem(b).find("--max-frames"), std::string::npos);
    b = Bounds{};
    b.quiet = Millis(5000);
    EXPECT_NE(bounds_problem(b).find("--quiet-ms"), std::string::npos);
    b = Bounds{};
    b.max_bytes = 100;
    EXPECT_NE(bounds_problem(b).find("--max-bytes"), std::string::npos);
    // The ring holds max_bytes plus every record's headers, in a power of two.
    b = Bounds{};
    EXPECT_EQ(ring_size(b), 8u << 20);
    b.max_bytes = 2048;
    b.max_frames = 1;
    EXPECT_EQ(ring_size(b), 4096u);
}

}  // namespace
}  // namespace nf::netpass
