#pragma once
// The host NIC's MAC filter for one VF, as a static FDB entry on the host bridge: the VF's MAC -> the VF's
// bridge port. The policy decides when it exists (VfFilterPolicy): `stale` from the first plug until the
// VMM exits (the packet-filtering problem: after an unplug the switch still sends the VM's frames to a VF
// that is gone), `while-bound` only while the VF is plugged and up in the guest. Removed at exit.
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

    // The VF's situation: plugged into the guest or not; bound = up in the guest (its bridge port has carrier).
    void update(bool plugged, bool bound);
    // The port was deleted: the entry went with it.
    void forget() { installed_ = false; }

    int port_ifindex() const { return port_ifindex_; }
    const MacAddress& mac() const { return mac_; }
    bool installed() const { return installed_; }
    nlohmann::json describe() const;

private:
    void install();
    void remove();

    os::Rtnl& host_;
    VfFilterPolicy policy_;
    int port_ifindex_;
    std::string port_name_;
    MacAddress mac_;
    bool installed_ = false;
};

}  // namespace nf::vmm
