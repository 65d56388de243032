// The stream format and its incremental reader: round trips in every chunking, every malformed-input
// class with its named error, limits, and the config/device section codecs.
#include <gtest/gtest.h>

#include "device/features.h"
#include "device/standby_persist.h"
#include "migration/config_section.h"
#include "migration/device_section.h"
#include "migration/stream_reader.h"

namespace nf::migration {
namespace {

Bytes sample_stream() {
    Bytes out = encode_stream_header();
    put_bytes(out, encode_section(SectionType::Config, encode_config({true, true, true})));
    put_bytes(out, encode_section(SectionType::Device, encode_device_section({"standby0", "virtio-net-standby", 1, Bytes(15, std::byte{7})})));
    put_bytes(out, encode_section(SectionType::Device, encode_device_section({"standby1", "virtio-net-standby", 1, Bytes(15, std::byte{9})})));
    put_bytes(out, encode_eof());
    put_bytes(out, encode_section(SectionType::Netpass, Bytes(100, std::byte{1})));
    put_bytes(out, encode_eof());
    return out;
}

struct ReadAll {
    std::vector<Section> sections;
    std::string error;
};

ReadAll read_in_chunks(const Bytes& stream, std::size_t chunk, StreamLimits limits = {}) {
    StreamReader reader(limits);
    ReadAll result;
    for (std::size_t at = 0; at < stream.size() && result.error.empty(); at += chunk) {
        ByteView input = ByteView(stream).subspan(at, std::min(chunk, stream.size() - at));
        while (true) {
            auto step = reader.next(input);
            input = input.subspan(step.consumed);
            if (step.kind == StreamReader::Step::Kind::Section) result.sections.push_back(std::move(*step.section));
            else if (step.kind == StreamReader::Step::Kind::Error) { result.error = step.error; break; }
            else break;
        }
    }
    if (result.error.empty())
        if (auto e = reader.finish()) result.error = *e;
    return result;
}

TEST(StreamReader, RoundTripInEveryChunkSize) {
    const Bytes stream = sample_stream();
    const ReadAll whole = read_in_chunks(stream, stream.size());
    ASSERT_EQ(whole.error, "");
    ASSERT_EQ(whole.sections.size(), 6u);
    EXPECT_EQ(whole.sections[0].type, SectionType::Config);
    EXPECT_EQ(whole.sections[3].type, SectionType::Eof);
    EXPECT_EQ(whole.sections[4].payload, Bytes(100, std::byte{1}));
    for (std::size_t chunk = 1; chunk <= 64; ++chunk) {
        const ReadAll got = read_in_chunks(stream, chunk);
        EXPECT_EQ(got.error, "") << chunk;
        EXPECT_EQ(got.sections, whole.sections) << chunk;
    }
}

TEST(StreamReader, MainPartAloneIsAWholeStream) {
    Bytes out = encode_stream_header();
    put_bytes(out, encode_section(SectionType::Config, encode_config({})));
    put_bytes(out, encode_eof());
    EXPECT_EQ(read_in_chunks(out, 3).error, "");
}

TEST(StreamReader, EveryMalformedClassHasANamedError) {
    const Bytes good = sample_stream();
    auto with = [](std::initializer_list<Bytes> parts) {
        Bytes out;
        for (const auto& p : parts) put_bytes(out, p);
        return out;
    };
    const Bytes header = encode_stream_header();
    const Bytes config = encode_section(SectionType::Config, encode_config({}));
    const std::vector<std::pair<Bytes, std::string>> cases{
        {Bytes(good.begin(), good.begin() + 5), "stream truncated: 5 of 8 header bytes"},
        {Bytes(good.begin(), good.begin() + 10), "stream truncated inside a section header"},
        {Bytes(good.begin(), good.begin() + 15), "stream truncated: 2 of 4 bytes of a config section"},
        {with({header, config}), "stream truncated before the main part's EOF"},
        {to_bytes("GET / HTTP/1.1\r\n\r\n"), "not a migration stream: bad magic 0x47455420 (expected 0x4e464d47)"},
        {encode_stream_header(7), "unsupported stream version 7 (this VMM reads version 1)"},
        {with({header, Bytes{std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}}}), "unknown section type 0"},
        {with({header, encode_eof()}), "stream out of order: first section is eof, expected config"},
        {with({header, config, config}), "stream out of order: a second config section"},
        {with({header, config, encode_section(SectionType::Netpass, Bytes(4))}),
         "stream out of order: netpass section before the main part's EOF"},
        {with({header, config, encode_eof(), encode_section(SectionType::Device, Bytes(4))}),
         "stream out of order: device section after the main part's EOF"},
        {with({header, config, encode_section(SectionType::Eof, Bytes(2))}), "EOF section with a 2-byte payload"},
        {with({header, config, encode_eof(), encode_eof(), Bytes{std::byte{4}}}), "data after the end of the stream"},
        {with({header, Bytes{std::byte{2}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff}}}),
         "stream out of order: first section is device, expected config"},
        {with({header, config, Bytes{std::byte{2}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff}, std::byte{0xff}}}),
         "device section of 4294967295 bytes exceeds the limit of 16777216 bytes"},
    };
    for (const auto& [bytes, error] : cases) {
        for (std::size_t chunk : {std::size_t{1}, std::size_t{4}, bytes.size()}) {
            EXPECT_EQ(read_in_chunks(bytes, chunk).error, error) << "chunk " << chunk;
        }
    }
}

TEST(StreamReader, SectionCountLimit) {
    Bytes out = encode_stream_header();
    put_bytes(out, encode_section(SectionType::Config, encode_config({})));
    for (int i = 0; i < 5; ++i) put_bytes(out, encode_section(SectionType::Device, Bytes(3)));
    EXPECT_EQ(read_in_chunks(out, 7, {1024, 4}).error, "too many sections (limit 4)");
}

TEST(StreamReader, ErrorIsStickyAndConsumesNothingMore) {
    StreamReader reader;
    const Bytes junk = to_bytes("junkjunkjunk");
    auto step = reader.next(junk);
    EXPECT_EQ(step.kind, StreamReader::Step::Kind::Error);
    auto again = reader.next(sample_stream());
    EXPECT_EQ(again.kind, StreamReader::Step::Kind::Error);
    EXPECT_EQ(again.consumed, 0u);
    EXPECT_TRUE(reader.failed());
}

TEST(ConfigSection, RoundTripAndMismatchTexts) {
    for (bool rp : {false, true})
        for (bool np : {false, true}) {
            auto got = decode_config(encode_config({false, rp, np}));
            ASSERT_TRUE(std::holds_alternative<Capabilities>(got));
            EXPECT_EQ(std::get<Capabilities>(got), (Capabilities{false, rp, np}));
        }
    EXPECT_EQ(check_config({false, true, false}, {false, true, true}),
              "Capability netpass is off, but received capability is on");
    EXPECT_EQ(check_config({false, true, true}, {false, false, false}),
              "Capability return-path is on, but received capability is off");
    EXPECT_EQ(check_config({true, true, true}, {false, true, true}), std::nullopt) << "events is local";
    EXPECT_EQ(std::get<std::string>(decode_config(Bytes(3))), "config section of 3 bytes (expected 4)");
    EXPECT_EQ(std::get<std::string>(decode_config(Bytes{std::byte{0}, std::byte{0}, std::byte{0}, std::byte{8}})),
              "config section names unknown capability bits 8");
}

TEST(DeviceSection, RoundTripAndErrors) {
    const device::DeviceRecord record{"standby0", "virtio-net-standby", 1, Bytes{std::byte{1}, std::byte{2}}};
    EXPECT_EQ(std::get<device::DeviceRecord>(decode_device_section(encode_device_section(record))), record);
    EXPECT_EQ(std::get<std::string>(decode_device_section({})), "device section truncated before its device id");
    EXPECT_EQ(std::get<std::string>(decode_device_section(Bytes{std::byte{0}})), "device section with an empty device id");
    EXPECT_EQ(std::get<std::string>(decode_device_section(Bytes{std::byte{5}, std::byte{'a'}})),
              "device section truncated inside its device id");
    Bytes no_version;
    put_string8(no_version, "a");
    put_string8(no_version, "k");
    no_version.push_back(std::byte{0});
    EXPECT_EQ(std::get<std::string>(decode_device_section(no_version)), "device section truncated before its version");
}

TEST(StandbyRecord, RoundTripAndValidation) {
    const device::StandbyState state{device::kBaseFeatures | device::kFeatureStandby, false,
                                     MacAddress::parse("52:54:00:22:22:22")};
    const auto record = device::encode_standby_record("standby0", state);
    EXPECT_EQ(record.kind, "virtio-net-standby");
    EXPECT_EQ(std::get<device::StandbyState>(device::decode_standby_record(record)), state);
    const device::StandbyState no_mac{1, true, std::nullopt};
    EXPECT_EQ(std::get<device::StandbyState>(device::decode_standby_record(device::encode_standby_record("s", no_mac))),
              no_mac);
    auto bad_flags = record;
    bad_flags.data[8] = std::byte{0x80};
    EXPECT_EQ(std::get<std::string>(device::decode_standby_record(bad_flags)),
              "device 'standby0': record has unknown flags 128");
    auto stray_mac = device::encode_standby_record("s", no_mac);
    stray_mac.data[10] = std::byte{1};
    EXPECT_EQ(std::get<std::string>(device::decode_standby_record(stray_mac)),
              "device 's': record without a MAC carries MAC bytes");
}

}  // namespace
}  // namespace nf::migration
