#include "vmm/standby_tap.h"

#include "common/error.h"

namespace nf::vmm {

std::unique_ptr<StandbyTap> StandbyTap::create(os::Rtnl& host, os::Rtnl& guest, const os::Netns& guest_ns,
                                               const std::string& temp_name, const std::string& ifname,
                                               const std::optional<MacAddress>& mac) {
    if (guest.find_link(ifname)) throw ConfigError("the VM already has a link named '" + ifname + "'");
    if (host.find_link(temp_name)) throw ConfigError("link '" + temp_name + "' already exists in the VMM's namespace");
    auto tap = os::TapDevice::open(temp_name);
    if (mac) host.set_mac(tap.ifindex(), *mac);
    host.move_to_netns(tap.ifindex(), guest_ns);
    guest.rename(temp_name, ifname);
    return std::unique_ptr<StandbyTap>(new StandbyTap(std::move(tap), ifname));
}

std::unique_ptr<StandbyTap> StandbyTap::adopt(UniqueFd fd, const std::string& ifname) {
    auto tap = os::TapDevice::adopt(std::move(fd));
    if (!tap.vnet_hdr()) throw SystemError(EINVAL, "received tap " + tap.name() + " has no vnet headers");
    return std::unique_ptr<StandbyTap>(new StandbyTap(std::move(tap), ifname));
}

}  // namespace nf::vmm
