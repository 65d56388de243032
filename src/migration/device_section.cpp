#include "migration/device_section.h"

#include <optional>

namespace nf::migration {

Bytes encode_device_section(const device::DeviceRecord& record) {
    Bytes out;
    put_string8(out, record.id);
    put_string8(out, record.kind);
    put_be32(out, record.version);
    put_bytes(out, record.data);
    return out;
}

std::variant<device::DeviceRecord, std::string> decode_device_section(ByteView payload) noexcept {
    try {
        std::size_t at = 0;
        auto string8 = [&](const char* what, std::string& out) -> std::optional<std::string> {
            if (at >= payload.size()) return std::string("device section truncated before its ") + what;
            const std::size_t length = std::to_integer<std::size_t>(payload[at++]);
            if (length == 0) return std::string("device section with an empty ") + what;
            if (payload.size() - at < length) return std::string("device section truncated inside its ") + what;
            out.assign(reinterpret_cast<const char*>(payload.data() + at), length);
            at += length;
            return std::nullopt;
        };
        device::DeviceRecord record;
        if (auto error = string8("device id", record.id)) return *error;
        if (auto error = string8("kind", record.kind)) return *error;
        if (payload.size() - at < 4) return std::string("device section truncated before its version");
        record.version = get_be32(payload, at);
        at += 4;
        record.data.assign(payload.begin() + static_cast<std::ptrdiff_t>(at), payload.end());
        return record;
    } catch (const std::exception& e) {
        return std::string("device section: ") + e.what();
    }
}

}  // namespace nf::migration
