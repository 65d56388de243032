#pragma once
// The standby's guest-side backend: a tap with vnet headers, created in the VMM's namespace and moved into
// the VM as its virtio NIC. The VMM keeps the fd (the "virtqueues"); closing it destroys the netdev inside
// the VM, so this object is the whole undo. The fd is what live migration will hand to the next VMM.
#include <memory>
#include <optional>
#include <string>

#include "common/mac_address.h"
#include "os/tap_device.h"
#include "os/netns.h"
#include "os/rtnl.h"

namespace nf::vmm {

class StandbyTap {
public:
    // Creates `temp_name` here, sets `mac`, moves it into `guest_ns` and renames it `ifname` there (renaming
    // in the guest, so a host link called `ifname` cannot clash). Throws; nothing is left on failure.
    static std::unique_ptr<StandbyTap> create(os::Rtnl& host, os::Rtnl& guest, const os::Netns& guest_ns,
                                              const std::string& temp_name, const std::string& ifname,
                                              const std::optional<MacAddress>& mac);

    // The guest's tap received from the source VMM of a live migration (its fd; the netdev is in the VM
    // already). Throws SystemError when the fd is not a tap with vnet headers.
    static std::unique_ptr<StandbyTap> adopt(UniqueFd fd, const std::string& ifname);

    const os::TapDevice& tap() const { return tap_; }
    int fd() const { return tap_.fd(); }
    const std::string& ifname() const { return ifname_; }
    // The virtio link status the guest sees (set_link).
    void set_carrier(bool up) { tap_.set_carrier(up); }

private:
    StandbyTap(os::TapDevice tap, std::string ifname) : tap_(std::move(tap)), ifname_(std::move(ifname)) {}

    os::TapDevice tap_;
    std::string ifname_;
};

}  // namespace nf::vmm
