#pragma once
// The standby (virtio-net with failover) as the VMM runs it: its tap in the VM, the PV forwarder to its
// netdev, the counters. The failover rules (hiding, negotiation) are the device model's; this is the device.
#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
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
    // netpass: the migration's cache that keeps frames reaching the paused backend (null: dropped).
    // hold: a migration's destination with netpass holds frames from the bridge from the first one on
    // (PvForwarder), until the source's are injected.
    StandbyDevice(std::string id, std::unique_ptr<StandbyTap> tap, BridgeNetdev* netdev, bool paused,
                  migration::NetpassCache* netpass = nullptr,
                  std::optional<migration::NetpassLimits> hold = std::nullopt);
    ~StandbyDevice();  // forwarding stops before the tap closes; the netdev becomes free again
    StandbyDevice(const StandbyDevice&) = delete;
    StandbyDevice& operator=(const StandbyDevice&) = delete;

    const std::string& id() const { return id_; }
    void set_link(bool up);
    void set_paused(bool paused);
    const PvCounters& counters() const { return counters_; }

    // Migration: the guest's tap fd (what moves to the destination VMM)...
    int tap_fd() const { return tap_->fd(); }
    // ...and netpass on the destination: hold frames from the bridge until the source's are injected.
    void hold_from_bridge(migration::NetpassLimits limits);
    void inject_then_release(std::vector<migration::NetpassFrame> cached);
    void drain_to_netpass();  // the source: frames still queued on the backend go to the cache now
    void drain_to_guest();    // the VF took the MAC: frames still queued on the backend go to the guest now
    void drain_from_guest();  // the guest's VF comes up: what it queued on the tap goes to the bridge now
    const BridgeNetdev* netdev() const { return netdev_; }
    migration::NetpassCounters ordering_counters() const;
    bool holding() const { return forwarder_ && forwarder_->holding(); }
    // QEMU's announce-self: one RARP for `mac` from the backend port, as if the guest sent it.
    void announce(const MacAddress& mac);
    nlohmann::json describe() const;

private:
    std::string id_;
    PvCounters counters_;
    std::unique_ptr<StandbyTap> tap_;
    BridgeNetdev* netdev_;
    std::unique_ptr<PvForwarder> forwarder_;  // declared last: stops first
    bool link_up_ = true;
    bool paused_ = false;
};

}  // namespace nf::vmm
