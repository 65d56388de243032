#include "migration/config_section.h"

namespace nf::migration {

namespace {
constexpr std::uint32_t kReturnPathBit = 1u << 0;
constexpr std::uint32_t kNetpassBit = 1u << 1;
constexpr std::uint32_t kKnownBits = kReturnPathBit | kNetpassBit;
constexpr std::size_t kConfigSize = 4;

const char* on_off(bool on) { return on ? "on" : "off"; }
}  // namespace

// `events` is local (which QMP events this VMM emits), so it is not part of the configuration.
Bytes encode_config(const Capabilities& caps) {
    Bytes out;
    put_be32(out, (caps.return_path ? kReturnPathBit : 0) | (caps.netpass ? kNetpassBit : 0));
    return out;
}

std::variant<Capabilities, std::string> decode_config(ByteView payload) noexcept {
    if (payload.size() != kConfigSize)
        return "config section of " + std::to_string(payload.size()) + " bytes (expected " + std::to_string(kConfigSize) + ")";
    const std::uint32_t bits = get_be32(payload, 0);
    if (bits & ~kKnownBits) return "config section names unknown capability bits " + std::to_string(bits & ~kKnownBits);
    Capabilities caps;
    caps.return_path = bits & kReturnPathBit;
    caps.netpass = bits & kNetpassBit;
    return caps;
}

std::optional<std::string> check_config(const Capabilities& local, const Capabilities& received) {
    auto mismatch = [](const char* name, bool mine, bool theirs) {
        return std::string("Capability ") + name + " is " + on_off(mine) + ", but received capability is " + on_off(theirs);
    };
    if (local.return_path != received.return_path) return mismatch("return-path", local.return_path, received.return_path);
    if (local.netpass != received.netpass) return mismatch("netpass", local.netpass, received.netpass);
    return std::nullopt;
}

}  // namespace nf::migration
