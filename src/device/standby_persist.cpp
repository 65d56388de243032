#include "device/standby_persist.h"

#include <cstdio>

namespace nf::device {

namespace {
// v1 layout: be64 acked features | u8 flags | 6 bytes MAC (zero when absent).
constexpr std::size_t kRecordSize = 8 + 1 + 6;
constexpr std::uint8_t kLinkUp = 1u << 0;
constexpr std::uint8_t kHasMac = 1u << 1;
constexpr std::uint8_t kKnownFlags = kLinkUp | kHasMac;

std::string hex64(std::uint64_t value) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
    return text;
}

std::string mac_text(const std::optional<MacAddress>& mac) { return mac ? mac->to_string() : "none"; }
}  // namespace

StandbyState save_standby(const Standby& standby) {
    return {standby.acked_features(), standby.link_up(), standby.mac()};
}

DeviceRecord encode_standby_record(const std::string& id, const StandbyState& state) {
    DeviceRecord record{id, kStandbyRecordKind, kStandbyRecordVersion, {}};
    auto& out = record.data;
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<std::byte>(state.acked_features >> shift));
    out.push_back(static_cast<std::byte>((state.link_up ? kLinkUp : 0) | (state.mac ? kHasMac : 0)));
    const std::array<std::uint8_t, 6> mac = state.mac ? state.mac->bytes() : std::array<std::uint8_t, 6>{};
    for (auto b : mac) out.push_back(static_cast<std::byte>(b));
    return record;
}

std::variant<StandbyState, std::string> decode_standby_record(const DeviceRecord& record) {
    const std::string who = "device '" + record.id + "': ";
    if (record.kind != kStandbyRecordKind) return who + "record kind '" + record.kind + "' is not " + kStandbyRecordKind;
    if (record.version != kStandbyRecordVersion)
        return who + "unsupported " + kStandbyRecordKind + " record version " + std::to_string(record.version);
    if (record.data.size() != kRecordSize)
        return who + "record of " + std::to_string(record.data.size()) + " bytes (expected " + std::to_string(kRecordSize) + ")";
    StandbyState state;
    for (int i = 0; i < 8; ++i) state.acked_features = (state.acked_features << 8) | std::to_integer<std::uint64_t>(record.data[i]);
    const auto flags = std::to_integer<std::uint8_t>(record.data[8]);
    if (flags & ~kKnownFlags) return who + "record has unknown flags " + std::to_string(flags & ~kKnownFlags);
    state.link_up = flags & kLinkUp;
    std::array<std::uint8_t, 6> mac{};
    for (int i = 0; i < 6; ++i) mac[i] = std::to_integer<std::uint8_t>(record.data[9 + i]);
    if (flags & kHasMac) state.mac = MacAddress(mac);
    else if (!MacAddress(mac).is_zero()) return who + "record without a MAC carries MAC bytes";
    return state;
}

std::optional<std::string> check_standby_restore(const Standby& standby, const StandbyState& state) {
    const std::uint64_t allowed = standby.offered_features();
    // QEMU's virtio load refuses features the destination device does not offer, with this text.
    if (state.acked_features & ~allowed)
        return "Features " + hex64(state.acked_features) + " unsupported. Allowed features: " + hex64(allowed);
    if (state.mac != standby.mac())
        return "device '" + standby.id() + "': MAC " + mac_text(state.mac) + " in the stream differs from the local " +
               mac_text(standby.mac());
    return std::nullopt;
}

}  // namespace nf::device
