#pragma once
// virtio-net feature bits the model offers. Only STANDBY drives failover; the rest make the offer look real.
#include <cstdint>

namespace nf::device {

inline constexpr int kFeatureStandbyBit = 62;  // VIRTIO_NET_F_STANDBY
inline constexpr std::uint64_t kFeatureStandby = std::uint64_t{1} << kFeatureStandbyBit;
inline constexpr std::uint64_t kFeatureCsum = std::uint64_t{1} << 0;
inline constexpr std::uint64_t kFeatureMrgRxbuf = std::uint64_t{1} << 15;
inline constexpr std::uint64_t kFeatureMac = std::uint64_t{1} << 5;
inline constexpr std::uint64_t kFeatureStatus = std::uint64_t{1} << 16;
inline constexpr std::uint64_t kFeatureVersion1 = std::uint64_t{1} << 32;

inline constexpr std::uint64_t kBaseFeatures =
    kFeatureCsum | kFeatureMac | kFeatureMrgRxbuf | kFeatureStatus | kFeatureVersion1;

}  // namespace nf::device
