#pragma once
// What of a virtio-net standby migrates: the guest's negotiated features (STANDBY among them, which makes
// the destination plug its primary), the link state and the MAC the guest knows. Encoded as a versioned
// record; decoding validates every field and never throws past its API.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "common/mac_address.h"
#include "device/persist.h"
#include "device/standby.h"

namespace nf::device {

inline constexpr const char* kStandbyRecordKind = "virtio-net-standby";
inline constexpr std::uint32_t kStandbyRecordVersion = 1;

struct StandbyState {
    std::uint64_t acked_features = 0;
    bool link_up = true;
    std::optional<MacAddress> mac;  // none: the device had no configured MAC
    bool operator==(const StandbyState&) const = default;
};

StandbyState save_standby(const Standby& standby);
DeviceRecord encode_standby_record(const std::string& id, const StandbyState& state);
// The decoded state, or a clear error (wrong kind, unknown version, wrong size, unknown flag bits).
std::variant<StandbyState, std::string> decode_standby_record(const DeviceRecord& record);
// Whether the record may be loaded into `standby` (same MAC, features the destination offers);
// nullopt when compatible, else why not.
std::optional<std::string> check_standby_restore(const Standby& standby, const StandbyState& state);

}  // namespace nf::device
