#include "failover/virtio_standby.h"

#include <cerrno>

namespace nf::failover {

std::uint64_t validate_standby_features(std::uint64_t offered) {
    const std::uint64_t standby = virtio_feature(kVirtioNetFStandby);
    if ((offered & standby) && !(offered & virtio_feature(kVirtioNetFMac))) return offered & ~standby;
    return offered;
}

std::optional<std::string> standby_phys_port_name(std::uint64_t negotiated) {
    if (standby_negotiated(negotiated)) return std::string("sby");
    return std::nullopt;
}

int standby_set_mac_error(std::uint64_t negotiated) { return standby_negotiated(negotiated) ? EOPNOTSUPP : 0; }

}  // namespace nf::failover
