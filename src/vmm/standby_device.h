#pragma once
// The standby (virtio-net with failover) as the VMM runs it: its tap in the VM, the PV forwarder to its
// netdev, the counters. The failover rules (hiding, negotiation) are the device model's; this is the device.
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "vmm/bridge_netdev.h"
#include "vmm/counters.h"
#include "vmm/netpass_frames.h"
#include "vmm/pv_forwarder.h"
#include "vmm/standby_tap.h"

namespace nf::vmm {

class StandbyDevice {
public:
    // netdev may be null (a virtio NIC with no backend: the guest sees a link that carries nothing).
    StandbyDevice(std::string id, std::unique_ptr<StandbyTap> tap, BridgeNetdev* netdev, bool paused);
    ~StandbyDevice();  // forwarding stops before the tap closes; the netdev becomes free again
    StandbyDevice(const StandbyDevice&) = delete;
    StandbyDevice& operator=(const StandbyDevice&) = delete;

    const std::string& id() const { return id_; }
    void set_link(bool up);
    void set_paused(bool paused);
    const PvCounters& counters() const { return counters_; }

    // Migration: the guest's tap fd (what moves to the destination VMM), and netpass on both sides.
    int tap_fd() const { return tap_->fd(); }
    bool has_backend() const { return forwarder_ != nullptr; }
    // Source: keep (bounded) the frames that reach the paused backend, instead of dropping them.
    void set_netpass_capture(bool on);
    std::vector<PassedFrame> take_netpass_frames();
    // Destination: hold frames from the bridge until the source's are injected (PvForwarder).
    void hold_from_bridge(std::size_t max_frames);
    std::size_t inject_then_release(const std::vector<PassedFrame>& frames);
    nlohmann::json describe() const;

private:
    std::string id_;
    PvCounters counters_;
    std::unique_ptr<StandbyTap> tap_;
    BridgeNetdev* netdev_;
    KeepPausedFrames* netpass_ = nullptr;  // owned by the forwarder
    std::unique_ptr<PvForwarder> forwarder_;  // declared last: stops first
    bool link_up_ = true;
    bool paused_ = false;
};

}  // namespace nf::vmm
