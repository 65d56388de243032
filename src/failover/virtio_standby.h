#pragma once
// The virtio-net side of STANDBY (V1, V4, V5): when a PV device may front a failover master.
#include <cstdint>
#include <optional>
#include <string>

#include "common/virtio_net.h"  // kVirtioNetFStandby, kVirtioNetFMac

namespace nf::failover {

// V1: STANDBY without MAC is dropped at validation (the MAC would be random: nothing could pair, E10).
std::uint64_t validate_standby_features(std::uint64_t offered);
inline bool standby_negotiated(std::uint64_t features) { return (features >> kVirtioNetFStandby) & 1u; }

// V4: "sby" iff STANDBY was negotiated (udev then names the device e.g. ens10nsby).
std::optional<std::string> standby_phys_port_name(std::uint64_t negotiated);

// V5: errno for a MAC change on the PV device: EOPNOTSUPP with STANDBY, else 0.
int standby_set_mac_error(std::uint64_t negotiated);

}  // namespace nf::failover
