#include "vmm/standby_device.h"

#include <spdlog/spdlog.h>

namespace nf::vmm {

StandbyDevice::StandbyDevice(std::string id, std::unique_ptr<StandbyTap> tap, BridgeNetdev* netdev, bool paused)
    : id_(std::move(id)), tap_(std::move(tap)), netdev_(netdev), paused_(paused) {
    if (netdev_) {
        forwarder_ = std::make_unique<PvForwarder>(tap_->tap(), netdev_->socket(), counters_,
                                                   std::make_unique<DropPausedFrames>(counters_));
        forwarder_->set_paused(paused);
        netdev_->set_user(id_);
    }
    spdlog::info("standby {}: tap {} in the VM{}", id_, tap_->ifname(),
                 netdev_ ? ", forwarding to " + netdev_->port_name() : ", no backend");
}

StandbyDevice::~StandbyDevice() {
    forwarder_.reset();
    if (netdev_) netdev_->set_user("");
    spdlog::info("standby {}: tap {} removed", id_, tap_->ifname());
}

void StandbyDevice::set_link(bool up) {
    link_up_ = up;
    tap_->set_carrier(up);
    if (forwarder_) forwarder_->set_link_up(up);
}

void StandbyDevice::set_paused(bool paused) {
    paused_ = paused;
    if (forwarder_) forwarder_->set_paused(paused);
}

nlohmann::json StandbyDevice::describe() const {
    return {{"id", id_},
            {"ifname", tap_->ifname()},
            {"netdev", netdev_ ? netdev_->spec().id : ""},
            {"backend-port", netdev_ ? netdev_->port_name() : ""},
            {"link-up", link_up_},
            {"forwarding", forwarder_ && !paused_ && link_up_},
            {"counters", to_json(counters_)}};
}

}  // namespace nf::vmm
