#include "failoverd/master_device.h"

#include <set>
#include <stdexcept>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/error.h"

namespace nf::failoverd {

namespace {
// Teardown goes on after a failed step: leaving one thing behind beats leaving everything.
template <typename Step>
void best_effort(const char* what, Step&& step) {
    try {
        step();
    } catch (const std::exception& e) {
        spdlog::warn("teardown: {}: {}", what, e.what());
    }
}
}  // namespace

std::string private_netns_name(const std::string& master) { return "nfo-" + master; }

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
    const std::string name = private_netns_name(layout_.master);
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
    guest_rtnl.set_addrgenmode_none(holder_ifindex_);
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
    peer_rtnl.set_addrgenmode_none(peer_ifindex_);
}

bool MasterDevice::adopt(os::Rtnl& guest_rtnl) {
    const auto master = guest_rtnl.find_link(layout_.master);
    if (!master) return false;
    if (layout_.uses_private_netns()) {
        if (!os::Netns::named_exists(private_netns_name(layout_.master))) return false;
        private_ = os::Netns::open_named(private_netns_name(layout_.master));
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
    if (os::Netns::named_exists(private_netns_name(layout_.master))) {
        private_ = os::Netns::open_named(private_netns_name(layout_.master));
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

namespace {
// The slave's ifindex in the private namespace: its own if free there, else the lowest free one; never its
// peer's (slave.iflink).
int private_ifindex_for(const os::LinkInfo& slave, const std::vector<os::LinkInfo>& private_links) {
    std::set<int> taken;
    for (const os::LinkInfo& link : private_links) taken.insert(link.ifindex);
    auto usable = [&](int index) { return index != slave.iflink && !taken.contains(index); };
    if (usable(slave.ifindex)) return slave.ifindex;  // what the kernel would keep anyway
    int index = 2;                                     // 1 is lo in every namespace
    while (!usable(index)) ++index;
    return index;
}
}  // namespace

void MasterDevice::hide_slave(os::Rtnl& guest_rtnl, int ifindex) {
    if (!private_) throw std::logic_error("hide_slave without a private namespace");
    const auto slave = guest_rtnl.find_link(ifindex);
    if (!slave) throw SystemError(ENODEV, "hide slave: ifindex " + std::to_string(ifindex) + " is gone");
    if (slave->iflink <= 0) {  // a device of its own (NIC, VF, virtio): linkwatch treats it right anyway
        guest_rtnl.move_to_netns(ifindex, *private_);
        return;
    }
    const int wanted = private_ifindex_for(*slave, os::Rtnl::in(*private_).links());
    try {
        guest_rtnl.move_to_netns_as(ifindex, *private_, wanted);
    } catch (const SystemError& e) {
        if (e.errno_value() != EBUSY) throw;
        // Taken since the dump: any number beats failing; the collision it may cause only slows events.
        spdlog::warn("{}: ifindex {} taken in the private namespace; the kernel picks one", slave->name, wanted);
        guest_rtnl.move_to_netns(ifindex, *private_);
    }
}

void MasterDevice::return_slaves() {
    if (!private_) return;
    os::Rtnl peer_rtnl = os::Rtnl::in(*private_);
    for (const os::LinkInfo& link : peer_rtnl.links()) {
        if (link.name == "lo" || link.ifindex == peer_ifindex_ || link.name == kMasterPeerName) continue;
        best_effort("return slave to the guest", [&] {
            peer_rtnl.move_to_netns(link.ifindex, guest_);
            spdlog::info("{} moved back to the guest namespace", link.name);
        });
    }
}

void MasterDevice::teardown() {
    if (torn_down_) return;
    torn_down_ = true;
    os::Rtnl guest_rtnl = os::Rtnl::in(guest_);
    if (veth_created_ && master_ifindex_ > 0)
        best_effort("delete master", [&] {
            if (guest_rtnl.find_link(master_ifindex_)) guest_rtnl.delete_link(master_ifindex_);
        });
    return_slaves();
    if (holder_ifindex_ > 0)
        best_effort("delete holder bridge", [&] {
            if (guest_rtnl.find_link(holder_ifindex_)) guest_rtnl.delete_link(holder_ifindex_);
        });
    if (private_created_)
        best_effort("remove private namespace", [&] { os::Netns::remove_named(private_netns_name(layout_.master)); });
    // Last: the name is free only once the master is gone, and a hidden standby is back in the guest.
    if (renamed_standby_)
        best_effort("give the standby its name back", [&] {
            const auto& [name, renamed] = *renamed_standby_;
            const auto link = guest_rtnl.find_link(renamed);
            if (!link) return;  // unplugged meanwhile
            if (guest_rtnl.find_link(name)) throw SystemError(EEXIST, name + " is taken; the standby stays " + renamed);
            guest_rtnl.set_down(link->ifindex);
            guest_rtnl.rename(link->ifindex, name);
            spdlog::info("standby {} renamed back to {}", renamed, name);
        });
}

}  // namespace nf::failoverd
