#include "failoverd/master_device.h"

#include <stdexcept>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/best_effort.h"
#include "os/ipv6_family.h"

namespace nf::failoverd {

std::string system_key(std::uint64_t guest_inode, const std::string& master) {
    return std::to_string(guest_inode) + "-" + master;
}

std::string private_netns_name(std::uint64_t guest_inode, const std::string& master) {
    return "nfo-" + system_key(guest_inode, master);
}

std::string holder_bridge_name(const std::string& master) {
    // IFNAMSIZ: keep the suffix, shorten the master's part.
    return master.substr(0, 13) + "fo";
}

MasterDevice::~MasterDevice() {
    if (!kept_) teardown();
}

const os::Netns& MasterDevice::slave_netns() const {
    return layout_.model == daemon::DeviceModel::hidden && private_ ? *private_ : guest_;
}

void MasterDevice::rename_standby(os::Rtnl& guest_rtnl, const std::string& standby, const std::string& renamed) {
    if (guest_rtnl.find_link(renamed)) throw SystemError(EEXIST, "cannot rename the standby " + standby + ": a link named " +
                                                                     renamed + " already exists");
    const int ifindex = guest_rtnl.ifindex(standby);
    guest_rtnl.set_down(ifindex);  // the kernel renames only links that are down
    guest_rtnl.rename(ifindex, renamed);
    renamed_standby_ = {standby, renamed};
    spdlog::info("standby {} renamed {}: the master takes its name", standby, renamed);
}

void MasterDevice::create_private_netns() {
    const std::string name = private_name();
    if (os::Netns::named_exists(name))
        throw SystemError(EEXIST, "private namespace " + name + " already exists (another failoverd?)");
    private_ = os::Netns::create_named(name);
    private_created_ = true;
}

void MasterDevice::create_holder(os::Rtnl& guest_rtnl) {
    const std::string name = holder_bridge_name(layout_.master);
    if (guest_rtnl.find_link(name)) throw SystemError(EEXIST, "holder bridge " + name + " already exists");
    holder_ifindex_ = guest_rtnl.create_bridge(name).ifindex;
    // Down for good: it only marks its ports as taken, it must never forward or get addresses.
    os::ipv6_step("holder addrgenmode", [&] { guest_rtnl.set_addrgenmode_none(holder_ifindex_); });
}

void MasterDevice::create_veth_master(os::Rtnl& guest_rtnl, const MacAddress& mac, unsigned mtu) {
    if (guest_rtnl.find_link(layout_.master))
        throw SystemError(EEXIST, "a link named " + layout_.master + " already exists");
    os::VethOptions options;
    options.mac = mac;
    options.peer_netns = &*private_;
    options.mtu = mtu;
    master_ifindex_ = guest_rtnl.create_veth(layout_.master, kMasterPeerName, options).ifindex;
    veth_created_ = true;
    os::Rtnl peer_rtnl = os::Rtnl::in(*private_);
    peer_ifindex_ = peer_rtnl.ifindex(kMasterPeerName);
    os::ipv6_step("peer addrgenmode", [&] { peer_rtnl.set_addrgenmode_none(peer_ifindex_); });
}

bool MasterDevice::adopt(os::Rtnl& guest_rtnl) {
    const auto master = guest_rtnl.find_link(layout_.master);
    if (!master) return false;
    if (layout_.uses_private_netns()) {
        if (!os::Netns::named_exists(private_name())) return false;
        private_ = os::Netns::open_named(private_name());
        private_created_ = true;
        os::Rtnl peer_rtnl = os::Rtnl::in(*private_);
        const auto peer = peer_rtnl.find_link(kMasterPeerName);
        if (layout_.veth_master && !peer) return false;
        if (peer) peer_ifindex_ = peer->ifindex;
    }
    if (layout_.uses_holder()) {
        const auto holder = guest_rtnl.find_link(holder_bridge_name(layout_.master));
        if (!holder) return false;
        holder_ifindex_ = holder->ifindex;
    }
    master_ifindex_ = master->ifindex;
    veth_created_ = layout_.veth_master;
    return true;
}

void MasterDevice::claim_leftovers(os::Rtnl& guest_rtnl) {
    if (os::Netns::named_exists(private_name())) {
        private_ = os::Netns::open_named(private_name());
        private_created_ = true;
    }
    if (const auto holder = guest_rtnl.find_link(holder_bridge_name(layout_.master))) holder_ifindex_ = holder->ifindex;
    if (layout_.veth_master) {
        if (const auto master = guest_rtnl.find_link(layout_.master); master && master->kind == "veth") {
            master_ifindex_ = master->ifindex;
            veth_created_ = true;
        }
    }
}

void MasterDevice::hide_slave(os::Rtnl& guest_rtnl, int ifindex) {
    if (!private_) throw std::logic_error("hide_slave without a private namespace");
    // Rtnl::move_to_netns keeps a veth slave off its peer's ifindex (linkwatch would delay its carrier).
    guest_rtnl.move_to_netns(ifindex, *private_);
}

std::vector<std::string> MasterDevice::return_slaves() noexcept {
    std::vector<std::string> stuck;
    if (!private_) return stuck;
    std::optional<os::Rtnl> peer_rtnl;
    std::vector<os::LinkInfo> links;
    const bool listed = best_effort("teardown", "list the private namespace", [&] {
        peer_rtnl.emplace(os::Rtnl::in(*private_));
        links = peer_rtnl->links();
    });
    if (!listed) {
        // Unknown contents: treat as stuck, so the namespace (and what may be in it) is kept.
        stuck.push_back("(contents of " + private_name() + " unknown)");
        return stuck;
    }
    for (const os::LinkInfo& link : links) {
        if (link.name == "lo" || link.ifindex == peer_ifindex_ || link.name == kMasterPeerName) continue;
        const bool moved = best_effort("teardown", "return slave to the guest", [&] {
            peer_rtnl->move_to_netns(link.ifindex, guest_);
            spdlog::info("{} moved back to the guest namespace", link.name);
        });
        if (!moved) stuck.push_back(link.name);
    }
    return stuck;
}

std::vector<std::string> MasterDevice::teardown() noexcept {
    if (torn_down_) return leftovers_;
    torn_down_ = true;
    std::vector<std::string> left;
    // Each guest step opens its own socket: one that cannot be had costs that step, not the rest.
    auto in_guest = [this](const char* what, auto&& step) {
        return best_effort("teardown", what, [&] {
            os::Rtnl guest_rtnl = os::Rtnl::in(guest_);
            step(guest_rtnl);
        });
    };
    if (veth_created_ && master_ifindex_ > 0)
        if (!in_guest("delete master", [&](os::Rtnl& rtnl) {
                if (rtnl.find_link(master_ifindex_)) rtnl.delete_link(master_ifindex_);
            }))
            left.push_back("master " + layout_.master);
    const std::vector<std::string> stuck = return_slaves();
    for (const auto& name : stuck) left.push_back("slave " + name + " in " + private_name());
    if (holder_ifindex_ > 0)
        if (!in_guest("delete holder bridge", [&](os::Rtnl& rtnl) {
                if (rtnl.find_link(holder_ifindex_)) rtnl.delete_link(holder_ifindex_);
            }))
            left.push_back("holder bridge " + holder_bridge_name(layout_.master));
    if (private_created_) {
        if (!stuck.empty()) {
            spdlog::error("teardown: private namespace {} kept: {} could not be returned to the guest", private_name(),
                          stuck.front());
            left.push_back("private namespace " + private_name());
        } else if (!best_effort("teardown", "remove private namespace", [&] { os::Netns::remove_named(private_name()); })) {
            left.push_back("private namespace " + private_name());
        }
    }
    // Last: the name is free only once the master is gone, and a hidden standby is back in the guest.
    if (renamed_standby_) {
        const auto& [name, renamed] = *renamed_standby_;
        const bool named_back = in_guest("give the standby its name back", [&](os::Rtnl& rtnl) {
            const auto link = rtnl.find_link(renamed);
            if (!link) return;  // unplugged meanwhile, or stuck in the private namespace (counted above)
            if (rtnl.find_link(name)) throw SystemError(EEXIST, name + " is taken; the standby stays " + renamed);
            rtnl.set_down(link->ifindex);
            rtnl.rename(link->ifindex, name);
            spdlog::info("standby {} renamed back to {}", renamed, name);
        });
        if (!named_back) left.push_back("standby " + renamed + " (not renamed back to " + name + ")");
    }
    leftovers_ = left;
    return left;
}

}  // namespace nf::failoverd
