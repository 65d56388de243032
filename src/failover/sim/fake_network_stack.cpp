#include "failover/sim/fake_network_stack.h"

#include <utility>

#include <algorithm>
#include <cerrno>

#include "common/error.h"

namespace nf::failover::sim {

FakeNetdev& FakeNetworkStack::add(Netdev desc) {
    FakeNetdev prototype;
    prototype.desc = std::move(desc);
    return add(std::move(prototype));
}

FakeNetdev& FakeNetworkStack::add(FakeNetdev prototype) {
    if (prototype.desc.ifindex == 0) prototype.desc.ifindex = next_ifindex_++;
    devices_.push_back(std::make_unique<FakeNetdev>(std::move(prototype)));
    FakeNetdev& dev = *devices_.back();
    emit(NetdevEventKind::registered, dev);
    return dev;
}

void FakeNetworkStack::unplug(std::string_view name) {
    FakeNetdev& dev = get(name);
    if (dev.desc.running) (void)do_close(dev);  // M-close-first
    emit(NetdevEventKind::unregistered, dev);
    std::erase_if(devices_, [&](const auto& d) { return d.get() == &dev; });
}

void FakeNetworkStack::set_admin(std::string_view name, bool up) {
    FakeNetdev& dev = get(name);
    (void)(up ? do_open(dev) : do_close(dev));
}

void FakeNetworkStack::set_carrier(std::string_view name, bool on) {
    FakeNetdev& dev = get(name);
    dev.desc.carrier = on;
    emit(NetdevEventKind::change, dev);
}

void FakeNetworkStack::rename(std::string_view name, std::string new_name) {
    FakeNetdev& dev = get(name);
    dev.desc.name = std::move(new_name);
    emit(NetdevEventKind::change_name, dev);
}

void FakeNetworkStack::set_address(std::string_view name, const MacAddress& mac) {
    FakeNetdev& dev = get(name);
    dev.desc.dev_addr = dev.desc.perm_addr = mac;
    emit(NetdevEventKind::change_addr, dev);
}

void FakeNetworkStack::move_netns(std::string_view name, std::uint64_t netns) {
    FakeNetdev& dev = get(name);
    if (dev.desc.running) (void)do_close(dev);
    emit(NetdevEventKind::unregistered, dev);
    dev.desc.netns = netns;
    dev.desc.ifindex = next_ifindex_++;
    emit(NetdevEventKind::registered, dev);
}

void FakeNetworkStack::set_stats(std::string_view name, const Stats64& stats) { get(name).desc.stats = stats; }

FakeNetdev& FakeNetworkStack::get(std::string_view name) {
    if (FakeNetdev* dev = find(name)) return *dev;
    throw SystemError(ENODEV, "fake netdev " + std::string(name));
}

FakeNetdev* FakeNetworkStack::find(std::string_view name) {
    for (auto& d : devices_)
        if (d->desc.name == name) return d.get();
    return nullptr;
}

FakeNetdev* FakeNetworkStack::find(NetdevKey key) {
    for (auto& d : devices_)
        if (d->desc.key() == key) return d.get();
    return nullptr;
}

std::vector<Netdev> FakeNetworkStack::snapshot() const {
    std::vector<Netdev> out;
    for (const auto& d : devices_) out.push_back(d->desc);
    return out;
}

void FakeNetworkStack::emit(NetdevEventKind kind, const FakeNetdev& dev) {
    if (listener_) listener_(NetdevEvent{kind, dev.desc});
}

std::error_code FakeNetworkStack::do_open(FakeNetdev& dev) {
    dev.op_log.push_back("open");
    if (dev.fail.open) return errno_code(*dev.fail.open);
    if (dev.desc.running) return {};
    dev.desc.admin_up = dev.desc.running = true;
    emit(NetdevEventKind::up, dev);
    return {};
}

std::error_code FakeNetworkStack::do_close(FakeNetdev& dev) {
    dev.op_log.push_back("close");
    if (!dev.desc.running) return {};
    dev.desc.admin_up = dev.desc.running = false;
    emit(NetdevEventKind::down, dev);
    return {};
}

// --- SlaveOps ---

std::error_code FakeNetworkStack::open(const Netdev& d) {
    FakeNetdev* dev = find(d.key());
    return dev ? do_open(*dev) : errno_code(ENODEV);
}

std::error_code FakeNetworkStack::close(const Netdev& d) {
    FakeNetdev* dev = find(d.key());
    return dev ? do_close(*dev) : errno_code(ENODEV);
}

std::error_code FakeNetworkStack::set_mtu(const Netdev& d, unsigned mtu) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return errno_code(ENODEV);
    dev->op_log.push_back("set_mtu " + std::to_string(mtu));
    if (mtu < dev->desc.min_mtu || mtu > dev->desc.max_mtu) return errno_code(EINVAL);
    if (dev->fail.mtu_above && mtu > *dev->fail.mtu_above) return errno_code(EINVAL);
    dev->desc.mtu = mtu;
    return {};
}

std::error_code FakeNetworkStack::add_vid(const Netdev& d, std::uint16_t vid) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return errno_code(ENODEV);
    dev->op_log.push_back("add_vid " + std::to_string(vid));
    if (dev->fail.refuse_all_vids || dev->fail.refused_vids.contains(vid)) return errno_code(EPERM);
    dev->desc.vids.insert(vid);
    return {};
}

std::error_code FakeNetworkStack::kill_vid(const Netdev& d, std::uint16_t vid) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return errno_code(ENODEV);
    dev->op_log.push_back("kill_vid " + std::to_string(vid));
    dev->desc.vids.erase(vid);
    return {};
}

std::error_code FakeNetworkStack::sync_addresses(const Netdev& d, const AddressLists& lists) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return errno_code(ENODEV);
    dev->op_log.push_back("sync_addresses");
    if (dev->fail.sync_addresses) return errno_code(*dev->fail.sync_addresses);
    dev->desc.addresses = lists;
    return {};
}

std::error_code FakeNetworkStack::unsync_addresses(const Netdev& d) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return errno_code(ENODEV);
    dev->op_log.push_back("unsync_addresses");
    dev->desc.addresses = {};
    return {};
}

std::error_code FakeNetworkStack::set_slave_flags(const Netdev& d) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return errno_code(ENODEV);
    dev->op_log.push_back("set_slave_flags");
    if (dev->fail.slave_flags) return errno_code(*dev->fail.slave_flags);
    dev->failover_slave_flag = true;
    return {};
}

std::error_code FakeNetworkStack::clear_slave_flags(const Netdev& d) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return errno_code(ENODEV);
    dev->op_log.push_back("clear_slave_flags");
    dev->failover_slave_flag = false;
    return {};
}

std::error_code FakeNetworkStack::link_to_master(const Netdev& d, const MasterIdentity& master) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return errno_code(ENODEV);
    dev->op_log.push_back("link " + master.name);
    if (dev->upper) return errno_code(EBUSY);
    dev->upper = master.name;
    return {};
}

std::error_code FakeNetworkStack::unlink_from_master(const Netdev& d, const MasterIdentity& master) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return errno_code(ENODEV);
    dev->op_log.push_back("unlink " + master.name);
    if (dev->upper != master.name) return errno_code(ENOENT);
    dev->upper.reset();
    return {};
}

std::error_code FakeNetworkStack::install_rx_handler(const Netdev& d, const MasterIdentity& master) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return errno_code(ENODEV);
    dev->op_log.push_back("install_rx_handler");
    if (dev->rx_handler_owner) return errno_code(EBUSY);
    dev->rx_handler_owner = master.name;
    return {};
}

std::error_code FakeNetworkStack::remove_rx_handler(const Netdev& d) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return errno_code(ENODEV);
    dev->op_log.push_back("remove_rx_handler");
    dev->rx_handler_owner.reset();
    return {};
}

StatsReading FakeNetworkStack::read_stats(const Netdev& d) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return {errno_code(ENODEV), {}};
    if (dev->fail.read_stats) return {errno_code(*dev->fail.read_stats), {}};
    return {{}, dev->desc.stats};
}

// As the daemon does it: down, set, up again if it was (drivers refuse a MAC change while up).
std::error_code FakeNetworkStack::take_address(const Netdev& d, const MacAddress& mac) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return errno_code(ENODEV);
    dev->op_log.push_back("take_address " + mac.to_string());
    if (dev->fail.take_address) return errno_code(*dev->fail.take_address);
    if (dev->desc.dev_addr == mac) return {};
    if (!dev->own_addr) dev->own_addr = dev->desc.dev_addr;
    dev->desc.dev_addr = mac;
    return {};
}

std::error_code FakeNetworkStack::restore_address(const Netdev& d) {
    FakeNetdev* dev = find(d.key());
    if (!dev) return errno_code(ENODEV);
    dev->op_log.push_back("restore_address");
    if (!dev->own_addr) return {};
    dev->desc.dev_addr = *std::exchange(dev->own_addr, std::nullopt);
    return {};
}

}  // namespace nf::failover::sim
