#include "vmm/bridge_netdev.h"

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/rollback.h"

namespace nf::vmm {

std::unique_ptr<BridgeNetdev> BridgeNetdev::create(os::Rtnl& host, const std::string& vm_name, std::size_t index,
                                                   const NetdevSpec& spec) {
    const std::string what = "--netdev bridge,id=" + spec.id + ",br=" + spec.bridge;
    const auto bridge = host.find_link(spec.bridge);
    if (!bridge || bridge->kind != "bridge")
        throw ConfigError(what + ": there is no bridge '" + spec.bridge + "' in the VMM's network namespace");
    const std::string port = vm_name + "-pv" + (index == 0 ? "" : std::to_string(index));
    const std::string backend = port + "h";
    for (const auto& name : {port, backend})
        if (host.find_link(name))
            throw ConfigError(what + ": link '" + name + "' already exists (left over from an earlier run?)");

    host.create_veth(port, backend);
    Rollback rollback;
    rollback.push([&] { host.delete_link(port); });
    // No IPv6 link-local on either end: the PV path carries the guest's frames only.
    host.set_addrgenmode_none(port);
    host.set_addrgenmode_none(backend);
    host.set_master(port, spec.bridge);
    host.set_up(backend);
    host.set_up(port);
    auto socket = os::PacketSocket::open(host.ifindex(backend));
    std::unique_ptr<BridgeNetdev> netdev(new BridgeNetdev(host, spec, port, backend, std::move(socket)));
    rollback.commit();
    spdlog::info("netdev {}: {} on bridge {}, VMM end {}", spec.id, port, spec.bridge, backend);
    return netdev;
}

BridgeNetdev::~BridgeNetdev() {
    try {
        host_.delete_link(port_name_);  // takes the peer with it
    } catch (const std::exception& e) {
        spdlog::warn("netdev {}: delete {}: {}", spec_.id, port_name_, e.what());
    }
}

}  // namespace nf::vmm
