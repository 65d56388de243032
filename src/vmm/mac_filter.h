#pragma once
// The host NIC's MAC filter for one VF, as a static FDB entry on the host bridge: the VF's MAC -> the VF's
// bridge port. The policy decides when it exists (VfFilterPolicy): `stale` from the first plug until the
// VMM exits (the packet-filtering problem: after an unplug the switch still sends the VM's frames to a VF
// that is gone), `while-bound` only while the VF is plugged and up in the guest and no unplug of it is under
// way. Removed at exit.
//
// `while-bound` also stops the bridge learning on the VF's port while the VF is leaving (from the eject
// request until it is gone): the filter is removed as soon as the unplug is requested, while the VF is still
// up, so the VM's frames flood to the VF and the PV port alike and the guest receives on whichever it uses
// until its TX on the standby teaches the bridge the PV port. Learning on the VF port would pin the VM's MAC
// to the leaving VF instead, and lose the frames sent there between the guest closing it and the bridge
// noticing (the veth's carrier change is asynchronous). It is off as well while a plugged VF is joining
// (plugged, not yet up in the guest): the guest's first frames through the VF would move the MAC to it by
// learning, at a moment nobody on the host chooses, while frames sent to the PV port just before still wait
// in the (slower, userspace) PV path and arrive after the VF's. Instead the MAC moves when the entry is
// installed, and the VMM then drains the PV path into the guest at once (Vmm::update_filter), so the
// frames sent before the move are delivered before those sent after it. Learning is on again once the
// entry is in.
#include <nlohmann/json.hpp>

#include <string>

#include "common/mac_address.h"
#include "os/rtnl.h"
#include "vmm/vmm_options.h"

namespace nf::vmm {

class VfMacFilter {
public:
    VfMacFilter(os::Rtnl& host, VfFilterPolicy policy, int port_ifindex, std::string port_name, MacAddress mac);
    ~VfMacFilter();  // removes the entry if we installed it
    VfMacFilter(const VfMacFilter&) = delete;
    VfMacFilter& operator=(const VfMacFilter&) = delete;

    // The VF's situation: plugged into the guest or not; bound = up in the guest (its bridge port has carrier);
    // leaving = its unplug was requested (eject request sent) or is being carried out.
    // Returns true when the entry was installed by this call: the VF's MAC has just moved to its port.
    bool update(bool plugged, bool bound, bool leaving = false);
    // The port was deleted: the entry went with it.
    void forget() { installed_ = false; }

    int port_ifindex() const { return port_ifindex_; }
    const MacAddress& mac() const { return mac_; }
    bool installed() const { return installed_; }
    bool learning_stopped() const { return learning_stopped_; }
    nlohmann::json describe() const;

private:
    void install();
    void remove();
    void set_learning(bool on);

    os::Rtnl& host_;
    VfFilterPolicy policy_;
    int port_ifindex_;
    std::string port_name_;
    MacAddress mac_;
    bool installed_ = false;
    bool learning_stopped_ = false;  // we turned learning off on the port (restored when no longer leaving)
};

}  // namespace nf::vmm
