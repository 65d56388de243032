#include "vmm/standby_device.h"

#include <spdlog/spdlog.h>

namespace nf::vmm {

StandbyDevice::StandbyDevice(std::string id, std::unique_ptr<StandbyTap> tap, BridgeNetdev* netdev, bool paused)
    : id_(std::move(id)), tap_(std::move(tap)), netdev_(netdev), paused_(paused) {
    if (netdev_) {
        auto sink = std::make_unique<KeepPausedFrames>(tap_->tap().vnet_hdr() ? datapath::TapDevice::kVnetHdrSize : 0,
                                                       NetpassLimits{}, counters_);
        netpass_ = sink.get();
        forwarder_ = std::make_unique<PvForwarder>(tap_->tap(), netdev_->socket(), counters_, std::move(sink));
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

void StandbyDevice::set_netpass_capture(bool on) {
    if (netpass_) netpass_->set_capturing(on);
}

std::vector<PassedFrame> StandbyDevice::take_netpass_frames() {
    return netpass_ ? netpass_->drain() : std::vector<PassedFrame>{};
}

void StandbyDevice::hold_from_bridge(std::size_t max_frames) {
    if (forwarder_) forwarder_->hold_from_bridge(max_frames);
}

std::size_t StandbyDevice::inject_then_release(const std::vector<PassedFrame>& frames) {
    return forwarder_ ? forwarder_->inject_then_release(frames) : 0;
}

nlohmann::json StandbyDevice::describe() const {
    return {{"id", id_},
            {"ifname", tap_->ifname()},
            {"netdev", netdev_ ? netdev_->spec().id : ""},
            {"backend-port", netdev_ ? netdev_->port_name() : ""},
            {"link-up", link_up_},
            {"forwarding", forwarder_ && !paused_ && link_up_},
            {"counters", to_json(counters_)},
            {"netpass", netpass_ ? netpass_->describe() : nlohmann::json(nullptr)}};
}

}  // namespace nf::vmm
