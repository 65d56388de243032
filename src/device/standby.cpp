#include "device/standby.h"

#include "device/features.h"

namespace nf::device {

Standby::Standby(std::string id, std::optional<MacAddress> mac, bool failover)
    : id_(std::move(id)), mac_(mac), failover_(failover), hidden_(failover) {}

std::uint64_t Standby::offered_features() const { return kBaseFeatures | (failover_ ? kFeatureStandby : 0); }

std::optional<bool> Standby::claim(const DeviceOptions& device) {
    if (!failover_ || !device.failover_pair_id) return std::nullopt;
    // The id check comes before the pair comparison, so any failover standby enforces it (spec §1.1).
    if (!device.id) throw CommandFailure(generic_error("Device with failover_pair_id needs to have id"));
    if (*device.failover_pair_id != id_) return std::nullopt;
    if (!primary_options_) {
        primary_options_ = device;
    } else if (primary_options_->id != device.id) {
        throw CommandFailure(generic_error("Cannot attach more than one primary device to '" + id_ + "': '" +
                                           primary_options_->display_id() + "' and '" + *device.id + "'"));
    }
    return hidden_;
}

std::uint64_t Standby::set_features(std::uint64_t driver_features) {
    acked_ = driver_features & offered_features();
    return acked_;
}

}  // namespace nf::device
