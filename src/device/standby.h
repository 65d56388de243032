#pragma once
// The failover half of a virtio-net device (spec §1.2–1.4, §6.1): what it offers, what the guest acked,
// whether its primary is hidden, and the primary's captured options. Knows nothing about the machine:
// the Machine plugs and unplugs devices in answer to what this state says.
#include <cstdint>
#include <optional>
#include <string>

#include "common/mac_address.h"
#include "device/device_options.h"
#include "device/features.h"

namespace nf::device {

class Standby {
public:
    Standby(std::string id, std::optional<MacAddress> mac, bool failover);

    const std::string& id() const { return id_; }
    const std::optional<MacAddress>& mac() const { return mac_; }
    bool failover() const { return failover_; }
    std::uint64_t offered_features() const;
    std::uint64_t acked_features() const { return acked_; }
    // The guest's last feature write contained STANDBY.
    bool negotiated() const { return (acked_ & kFeatureStandby) != 0; }
    bool hidden() const { return hidden_; }
    bool link_up() const { return link_up_; }
    const std::optional<DeviceOptions>& primary_options() const { return primary_options_; }

    // The hiding hook of §1.2, run for every device creation while this standby exists. nullopt: not this
    // standby's device. Otherwise whether to hide it. Throws CommandFailure for a missing id or a second primary.
    std::optional<bool> claim(const DeviceOptions& device);

    // A driver feature write; returns the acked set (the guest cannot ack what was not offered).
    std::uint64_t set_features(std::uint64_t driver_features);
    void reset() { acked_ = 0; }
    void set_hidden(bool hidden) { hidden_ = hidden; }
    void set_link(bool up) { link_up_ = up; }
    // Remembers a primary that was plugged without passing the hook (created before this standby).
    void adopt_primary(const DeviceOptions& device) { primary_options_ = device; }
    void forget_primary() { primary_options_.reset(); }

private:
    std::string id_;
    std::optional<MacAddress> mac_;
    bool failover_;
    bool hidden_;  // true from realize until STANDBY is acked (spec §1.2)
    bool link_up_ = true;
    std::uint64_t acked_ = 0;
    std::optional<DeviceOptions> primary_options_;
};

}  // namespace nf::device
