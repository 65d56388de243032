#pragma once
// The migration stream: a versioned header, then typed, length-prefixed sections.
//
//   header   : magic "NFMG" (4 bytes) | be32 version
//   section  : u8 type | be32 payload length | payload
//   main part: Config, Device*, Eof          (Config first, exactly once)
//   tail     : Netpass*, Eof                 (only when netpass is on: sent after VM_STARTED)
//
// Limits bound what a reader buffers: a section's payload may not exceed max_section_bytes and a stream
// may not carry more than max_sections sections.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "migration/bytes.h"

namespace nf::migration {

inline constexpr std::uint32_t kStreamMagic = 0x4e464d47;  // "NFMG"
inline constexpr std::uint32_t kStreamVersion = 1;
inline constexpr std::size_t kStreamHeaderSize = 8;
inline constexpr std::size_t kSectionHeaderSize = 5;

enum class SectionType : std::uint8_t {
    Config = 1,   // capabilities that must match on both sides (config_section.h)
    Device = 2,   // one device's save record (device_section.h)
    Netpass = 3,  // cached frames (netpass_records.h)
    Eof = 4,      // end of the main part, then end of the netpass tail
};
std::string_view to_string(SectionType type);

struct StreamLimits {
    std::size_t max_section_bytes = 16u << 20;
    std::size_t max_sections = 4096;
};

struct Section {
    SectionType type;
    Bytes payload;
    bool operator==(const Section&) const = default;
};

Bytes encode_stream_header(std::uint32_t version = kStreamVersion);
Bytes encode_section(SectionType type, ByteView payload);
Bytes encode_eof();

}  // namespace nf::migration
