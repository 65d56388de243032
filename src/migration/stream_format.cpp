#include "migration/stream_format.h"

namespace nf::migration {

std::string_view to_string(SectionType type) {
    switch (type) {
    case SectionType::Config: return "config";
    case SectionType::Device: return "device";
    case SectionType::Netpass: return "netpass";
    case SectionType::Eof: return "eof";
    }
    return "unknown";
}

Bytes encode_stream_header(std::uint32_t version) {
    Bytes out;
    put_be32(out, kStreamMagic);
    put_be32(out, version);
    return out;
}

Bytes encode_section(SectionType type, ByteView payload) {
    Bytes out;
    out.reserve(kSectionHeaderSize + payload.size());
    out.push_back(static_cast<std::byte>(type));
    put_be32(out, static_cast<std::uint32_t>(payload.size()));
    put_bytes(out, payload);
    return out;
}

Bytes encode_eof() { return encode_section(SectionType::Eof, {}); }

}  // namespace nf::migration
