#pragma once
// virtio-net feature bits (virtio spec 5.1.3) that both halves name: the hypervisor's device model offers
// them (src/device), the guest's failover and failoverd's standby rule check them (src/failover, failoverd).
// Defined once, here, below both.
#include <cstdint>

namespace nf {

inline constexpr unsigned kVirtioNetFMac = 5;       // VIRTIO_NET_F_MAC
inline constexpr unsigned kVirtioNetFStandby = 62;  // VIRTIO_NET_F_STANDBY

constexpr std::uint64_t virtio_feature(unsigned bit) { return std::uint64_t{1} << bit; }

}  // namespace nf
