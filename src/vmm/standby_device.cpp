#include "vmm/standby_device.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "os/frame_batch.h"

namespace nf::vmm {

StandbyDevice::StandbyDevice(std::string id, std::unique_ptr<StandbyTap> tap, BridgeNetdev* netdev, bool paused,
                             migration::NetpassCache* netpass, std::optional<migration::NetpassLimits> hold)
    : id_(std::move(id)), tap_(std::move(tap)), netdev_(netdev), paused_(paused) {
    if (netdev_) {
        const std::uint32_t vnet = tap_->tap().vnet_hdr() ? os::TapDevice::kVnetHdrSize : 0;
        std::unique_ptr<PausedFrameSink> sink;
        if (netpass) sink = std::make_unique<CachePausedFrames>(*netpass, vnet, counters_);
        else sink = std::make_unique<DropPausedFrames>(counters_);
        forwarder_ = std::make_unique<PvForwarder>(tap_->tap(), netdev_->socket(), counters_, std::move(sink), paused,
                                                   hold);
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

void StandbyDevice::hold_from_bridge(migration::NetpassLimits limits) {
    if (forwarder_) forwarder_->hold_from_bridge(limits);
}

void StandbyDevice::inject_then_release(std::vector<migration::NetpassFrame> cached) {
    if (forwarder_) forwarder_->inject_then_release(std::move(cached));
}

void StandbyDevice::drain_to_netpass() {
    if (forwarder_) forwarder_->drain_bridge_to_sink();
}

void StandbyDevice::drain_from_guest() {
    if (forwarder_) forwarder_->drain_guest_to_bridge();
}

void StandbyDevice::drain_to_guest() {
    if (forwarder_) forwarder_->drain_bridge_to_guest();
}

migration::NetpassCounters StandbyDevice::ordering_counters() const {
    return forwarder_ ? forwarder_->ordering_counters() : migration::NetpassCounters{};
}

void StandbyDevice::announce(const MacAddress& mac) {
    if (!netdev_) return;
    os::FrameBatch batch(1);
    auto buffer = batch.buffer(0);
    std::fill(buffer.begin(), buffer.end(), std::byte{0});
    const std::size_t vnet = os::TapDevice::kVnetHdrSize;  // the backend socket speaks vnet headers
    std::byte* frame = buffer.data() + vnet;
    const auto put = [&](std::size_t at, std::initializer_list<int> bytes) {
        for (int b : bytes) frame[at++] = static_cast<std::byte>(b);
    };
    const auto put_mac = [&](std::size_t at) {
        for (std::size_t i = 0; i < 6; ++i) frame[at + i] = static_cast<std::byte>(mac.bytes()[i]);
    };
    // QEMU's qemu_announce_self frame: broadcast RARP "reverse request" with sender = target = our MAC.
    put(0, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff});
    put_mac(6);
    put(12, {0x80, 0x35, 0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x03});
    put_mac(22);  // sender hardware address; sender IP 0.0.0.0
    put_mac(32);  // target hardware address; target IP 0.0.0.0
    batch.set_length(0, vnet + 60);  // padded to the Ethernet minimum
    netdev_->socket().send(batch, 1);
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
