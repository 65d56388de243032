#include "vmm/primary_veth.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "common/error.h"
#include "common/rollback.h"

namespace nf::vmm {

VfPort find_vf_port(os::Rtnl& host, const std::string& host_if) {
    const auto vf = host.find_link(host_if);
    if (!vf) throw ConfigError("host device '" + host_if + "' not found in the VMM's network namespace");
    if (vf->kind != "veth") throw ConfigError("host device '" + host_if + "' is a " +
                                              (vf->kind.empty() ? std::string("non-veth link") : vf->kind) +
                                              ", the lab's VFs are veths");
    if (vf->link_netnsid) throw ConfigError("host device '" + host_if + "': its veth peer is in another namespace");
    const auto port = vf->iflink > 0 ? host.find_link(vf->iflink) : std::nullopt;
    if (!port) throw ConfigError("host device '" + host_if + "': its veth peer was not found");
    if (port->master == 0)
        throw ConfigError("host device '" + host_if + "': its peer '" + port->name + "' is not a bridge port");
    return {port->ifindex, port->name, port->master};
}

std::unique_ptr<PrimaryVeth> PrimaryVeth::plug(Namespaces& ns, std::string id, const std::string& host_if,
                                               const std::string& ifname, const std::optional<MacAddress>& mac,
                                               const std::string& alias) {
    if (alias.size() > 255 || std::any_of(alias.begin(), alias.end(), [](char c) { return c < 0x20 || c > 0x7e; }))
        throw ConfigError("alias: 1..255 printable characters");
    const VfPort port = find_vf_port(ns.host_rtnl, host_if);
    if (ns.guest_rtnl.find_link(ifname)) throw ConfigError("the VM already has a link named '" + ifname + "'");
    const os::LinkInfo before = ns.host_rtnl.link(host_if);
    const int host_index = before.ifindex;
    // A failed plug leaves the VF as it found it: its MAC and admin state (the move takes it down), on the host.
    Rollback rollback;
    rollback.push([&] {
        if (!ns.host_rtnl.find_link(host_if)) {  // renamed for the move, which then failed
            const auto left = ns.host_rtnl.find_link(host_index);
            if (left && left->name != host_if) {
                ns.host_rtnl.set_down(host_index);
                ns.host_rtnl.rename(host_index, host_if);
            }
        }
        if (ns.host_rtnl.link(host_if).mac != before.mac) ns.host_rtnl.set_mac(host_if, before.mac);
        if (ns.host_rtnl.link(host_if).alias != before.alias) ns.host_rtnl.set_alias(host_if, before.alias);
        if (before.admin_up) ns.host_rtnl.set_up(host_if);
    });
    if (mac && before.mac != *mac) {
        ns.host_rtnl.set_down(host_index);
        ns.host_rtnl.set_mac(host_index, *mac);
    }
    const MacAddress vf_mac = ns.host_rtnl.link(host_index).mac;
    // Before the move, so the guest's first message about the VF already carries its id.
    if (!alias.empty()) ns.host_rtnl.set_alias(host_index, alias);
    // Renamed and moved in one call (nf_os renames just before the move), so the VM only ever sees `ifname`:
    // a guest daemon that grabbed the VF under its host name would lose it to the rename (sysctls are by name).
    // Only if the host has a link of the VM's name does the VF arrive under its host name and get renamed there.
    const bool clash = ns.host_rtnl.find_link(ifname).has_value();
    if (clash) {
        if (ns.guest_rtnl.find_link(host_if))
            throw ConfigError("the VM already has a link named '" + host_if + "' (needed while moving it in)");
        spdlog::warn("primary {}: the host has a link named {}; {} enters the VM under its own name first", id, ifname,
                     host_if);
    }
    ns.host_rtnl.move_to_netns(host_index, ns.guest, clash ? std::nullopt : std::optional<std::string>(ifname));
    // `clash` by value: it is declared after the rollback, which outlives it on the way out.
    rollback.push([&, clash] {
        const auto moved = ns.guest_rtnl.find_link(clash ? host_if : ifname);
        if (moved) ns.guest_rtnl.move_to_netns(moved->ifindex, ns.host, host_if);
    });
    if (clash) ns.guest_rtnl.rename(host_if, ifname);
    const int guest_index = ns.guest_rtnl.ifindex(ifname);
    rollback.commit();
    spdlog::info("primary {}: {} plugged into the VM as {} ({}), bridge port {}", id, host_if, ifname,
                 vf_mac.to_string(), port.name);
    return std::unique_ptr<PrimaryVeth>(
        new PrimaryVeth(ns, std::move(id), host_if, ifname, port, vf_mac, alias, guest_index));
}

PrimaryVeth::~PrimaryVeth() {
    if (!plugged_) return;
    try {
        unplug();
    } catch (const std::exception& e) {
        spdlog::error("primary {}: move {} back to the host: {}", id_, host_if_, e.what());
    }
}

void PrimaryVeth::unplug() {
    if (!plugged_) return;
    plugged_ = false;
    if (!ns_.guest_rtnl.find_link(guest_ifindex_)) {
        spdlog::warn("primary {}: {} is no longer in the VM (deleted?); nothing to move back", id_, ifname_);
        return;
    }
    // Renamed inside the VM first, so the move cannot clash with a host link of the VM's name.
    ns_.guest_rtnl.move_to_netns(guest_ifindex_, ns_.host, host_if_);
    spdlog::info("primary {}: {} moved back to the host as {}", id_, ifname_, host_if_);
    // The VF reset: a trusted guest may have given it another MAC (failoverd gives it the standby's).
    const os::LinkInfo back = ns_.host_rtnl.link(host_if_);
    if (back.mac != mac_) {
        ns_.host_rtnl.set_down(host_if_);
        ns_.host_rtnl.set_mac(host_if_, mac_);
        spdlog::info("primary {}: {} reset to its MAC {} (the guest had set {})", id_, host_if_, mac_.to_string(),
                     back.mac.to_string());
    }
    // The alias stays: the id belongs to the VF (the slot), so a re-plug without alias= still carries it.
}

nlohmann::json PrimaryVeth::describe() const {
    return {{"id", id_}, {"host", host_if_}, {"ifname", ifname_}, {"mac", mac_.to_string()},
            {"bridge-port", port_.name}, {"plugged", plugged_}, {"leaving", leaving_}, {"alias", alias_}};
}

}  // namespace nf::vmm
