#include "migration/netpass_records.h"

namespace nf::migration {

void append_record(Bytes& out, const NetpassFrame& frame) {
    put_be32(out, static_cast<std::uint32_t>(frame.bytes.size()));
    put_be32(out, frame.vnet_header_length);
    put_bytes(out, frame.bytes);
}

Bytes encode_records(const std::vector<NetpassFrame>& frames) {
    Bytes out;
    for (const auto& frame : frames) append_record(out, frame);
    return out;
}

DecodedNetpass decode_records(ByteView payload, NetpassDecodeLimits limits) noexcept {
    DecodedNetpass result;
    try {
        std::size_t at = 0;
        std::size_t total = 0;
        while (at < payload.size()) {
            const std::string where = "netpass record " + std::to_string(result.frames.size());
            if (payload.size() - at < kNetpassRecordHeaderSize) {
                result.error = where + ": truncated header (" + std::to_string(payload.size() - at) + " bytes)";
                break;
            }
            const std::uint32_t length = get_be32(payload, at);
            const std::uint32_t vnet = get_be32(payload, at + 4);
            at += kNetpassRecordHeaderSize;
            if (length > kNetpassMaxFrameBytes) {
                result.error = where + ": " + std::to_string(length) + " bytes exceeds the frame limit of " +
                               std::to_string(kNetpassMaxFrameBytes);
                break;
            }
            if (length > payload.size() - at) {
                result.error = where + ": " + std::to_string(length) + " bytes announced, " +
                               std::to_string(payload.size() - at) + " left";
                break;
            }
            if (vnet > length) {
                result.error = where + ": vnet header of " + std::to_string(vnet) + " bytes in a " +
                               std::to_string(length) + "-byte payload";
                break;
            }
            if (length - vnet < kEthernetHeaderSize) {
                result.error = where + ": " + std::to_string(length - vnet) + "-byte frame is shorter than an Ethernet header";
                break;
            }
            if (result.frames.size() >= limits.max_frames || total + length > limits.max_bytes) {
                result.error = where + ": over the limit of " + std::to_string(limits.max_frames) + " frames / " +
                               std::to_string(limits.max_bytes) + " bytes";
                break;
            }
            NetpassFrame frame;
            frame.vnet_header_length = vnet;
            frame.bytes.assign(payload.begin() + static_cast<std::ptrdiff_t>(at),
                               payload.begin() + static_cast<std::ptrdiff_t>(at + length));
            result.frames.push_back(std::move(frame));
            total += length;
            at += length;
        }
    } catch (const std::exception& e) {
        result.error = std::string("netpass records: ") + e.what();
    }
    return result;
}

}  // namespace nf::migration
