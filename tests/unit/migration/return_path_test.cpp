// The return path in QEMU's framing: encodings byte for byte, the incremental decoder in every chunking,
// and every malformed class.
#include <gtest/gtest.h>

#include "migration/return_path.h"

namespace nf::migration {
namespace {

Bytes bytes(std::initializer_list<int> list) {
    Bytes out;
    for (int b : list) out.push_back(static_cast<std::byte>(b));
    return out;
}

struct Decoded {
    std::vector<ReturnPathMessage> messages;
    std::string error;
};

Decoded decode(const Bytes& input, std::size_t chunk) {
    ReturnPathDecoder decoder;
    Decoded result;
    for (std::size_t at = 0; at < input.size() && result.error.empty(); at += chunk) {
        ByteView rest = ByteView(input).subspan(at, std::min(chunk, input.size() - at));
        while (!rest.empty()) {
            auto step = decoder.next(rest);
            rest = rest.subspan(step.consumed);
            if (step.kind == ReturnPathDecoder::Step::Kind::Message) result.messages.push_back(*step.message);
            else if (step.kind == ReturnPathDecoder::Step::Kind::Error) { result.error = step.error; break; }
            else break;
        }
    }
    return result;
}

TEST(ReturnPath, QemuFramingByteForByte) {
    EXPECT_EQ(encode_vm_started(), bytes({0, 8, 0, 0}));
    EXPECT_EQ(encode_shut(1), bytes({0, 1, 0, 4, 0, 0, 0, 1}));
    EXPECT_EQ(encode_pong(0x01020304), bytes({0, 2, 0, 4, 1, 2, 3, 4}));
    EXPECT_EQ(to_string(ReturnPathType::VmStarted), "VM_STARTED");
}

TEST(ReturnPath, DecodesInEveryChunking) {
    Bytes all = encode_pong(7);
    put_bytes(all, encode_vm_started());
    put_bytes(all, encode_shut(0));
    const std::vector<ReturnPathMessage> want{{ReturnPathType::Pong, 7}, {ReturnPathType::VmStarted, 0},
                                              {ReturnPathType::Shut, 0}};
    for (std::size_t chunk = 1; chunk <= all.size(); ++chunk) {
        const auto got = decode(all, chunk);
        EXPECT_EQ(got.error, "") << chunk;
        EXPECT_EQ(got.messages, want) << chunk;
    }
}

TEST(ReturnPath, MalformedMessagesNamed) {
    const std::vector<std::pair<Bytes, std::string>> cases{
        {bytes({0, 9, 0, 0}), "unknown return-path message type 9"},
        {bytes({0xff, 0xff, 0xff, 0xff}), "unknown return-path message type 65535"},
        {bytes({0, 0, 0, 0}), "unknown return-path message type 0"},
        {bytes({0, 4, 0, 12}), "return-path message REQ_PAGES (4) is not supported by failover-vmm (postcopy and "
                               "switchover-ack are off)"},
        {bytes({0, 7, 0, 0}), "return-path message SWITCHOVER_ACK (7) is not supported by failover-vmm (postcopy and "
                              "switchover-ack are off)"},
        {bytes({0, 8, 0, 4, 0, 0, 0, 0}), "Received 'VM_STARTED' message (0x0008) with incorrect length 4 expecting 0"},
        {bytes({0, 2, 0xff, 0xff}), "Received 'PONG' message (0x0002) with incorrect length 65535 expecting 4"},
    };
    for (const auto& [input, error] : cases)
        for (std::size_t chunk : {std::size_t{1}, input.size()}) EXPECT_EQ(decode(input, chunk).error, error);
}

TEST(ReturnPath, PartialMessageWaitsAndErrorIsSticky) {
    ReturnPathDecoder decoder;
    auto step = decoder.next(bytes({0, 1, 0}));
    EXPECT_EQ(step.kind, ReturnPathDecoder::Step::Kind::NeedMore);
    EXPECT_EQ(step.consumed, 3u);
    step = decoder.next(bytes({4, 0, 0}));
    EXPECT_EQ(step.kind, ReturnPathDecoder::Step::Kind::NeedMore);
    step = decoder.next(bytes({0, 5, 0, 8}));
    ASSERT_EQ(step.kind, ReturnPathDecoder::Step::Kind::Message);
    EXPECT_EQ(step.consumed, 2u);
    EXPECT_EQ(*step.message, (ReturnPathMessage{ReturnPathType::Shut, 5}));
    EXPECT_EQ(decoder.next(bytes({0, 9, 0, 0})).kind, ReturnPathDecoder::Step::Kind::Error);
    EXPECT_EQ(decoder.next(encode_vm_started()).consumed, 0u);
}

}  // namespace
}  // namespace nf::migration
