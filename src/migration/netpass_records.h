#pragma once
// Netpass frames as QEMU's records: be32 payload length | be32 vnet-header length | payload, where the
// payload is the vnet header followed by the Ethernet frame (the framing of filter-mirror/redirector with
// vnet headers). A netpass section's payload is a run of such records.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "migration/bytes.h"

namespace nf::migration {

struct NetpassFrame {
    std::uint32_t vnet_header_length = 0;  // leading bytes of `bytes` that are the vnet header
    Bytes bytes;                           // vnet header + Ethernet frame
    bool operator==(const NetpassFrame&) const = default;
};

inline constexpr std::size_t kNetpassRecordHeaderSize = 8;
inline constexpr std::size_t kNetpassMaxFrameBytes = 65536 + 64;  // a 64 KiB GSO frame plus its vnet header
inline constexpr std::size_t kEthernetHeaderSize = 14;

void append_record(Bytes& out, const NetpassFrame& frame);
Bytes encode_records(const std::vector<NetpassFrame>& frames);

struct NetpassDecodeLimits {
    std::size_t max_frames = 4096;
    std::size_t max_bytes = 8u << 20;  // sum of payloads
};

struct DecodedNetpass {
    std::vector<NetpassFrame> frames;
    std::string error;  // empty when every record was whole and valid; frames holds those before the error
};

// Never throws; stops at the first bad record (short header, length past the end, vnet header longer than
// the payload, payload shorter than an Ethernet header, over a limit) and names it.
DecodedNetpass decode_records(ByteView payload, NetpassDecodeLimits limits = {}) noexcept;

}  // namespace nf::migration
