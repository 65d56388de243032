#pragma once
// virtio-net feature bits the model offers. Only STANDBY drives failover; the rest make the offer look real.
#include <cstdint>

#include "common/virtio_net.h"

namespace nf::device {

inline constexpr std::uint64_t kFeatureStandby = virtio_feature(kVirtioNetFStandby);
inline constexpr std::uint64_t kFeatureCsum = std::uint64_t{1} << 0;
inline constexpr std::uint64_t kFeatureMrgRxbuf = std::uint64_t{1} << 15;
inline constexpr std::uint64_t kFeatureMac = virtio_feature(kVirtioNetFMac);
inline constexpr std::uint64_t kFeatureStatus = std::uint64_t{1} << 16;
inline constexpr std::uint64_t kFeatureVersion1 = std::uint64_t{1} << 32;

inline constexpr std::uint64_t kBaseFeatures =
    kFeatureCsum | kFeatureMac | kFeatureMrgRxbuf | kFeatureStatus | kFeatureVersion1;

}  // namespace nf::device
