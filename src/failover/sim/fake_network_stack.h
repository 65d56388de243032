#pragma once
// A simulated network stack: owns fake netdevs, implements SlaveOps on them, and sends netdev events to a
// listener (normally FailoverRegistry::handle) in the kernel's order: synchronously, nested inside the
// operation that caused them, and DOWN before UNREGISTER when an up device goes away (M-close-first).
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "failover/events.h"
#include "failover/slave_ops.h"
#include "failover/sim/fake_netdev.h"

namespace nf::failover::sim {

class FakeNetworkStack final : public SlaveOps {
public:
    using Listener = std::function<void(const NetdevEvent&)>;

    void set_listener(Listener listener) { listener_ = std::move(listener); }

    // Registers a device (REGISTER). ifindex 0 gets the next free one.
    FakeNetdev& add(Netdev desc);
    // The same, with state and failures set before REGISTER (a bridge port, a device that will not open).
    FakeNetdev& add(FakeNetdev prototype);
    // Hot-unplug: DOWN first if it was up, then UNREGISTER; the device is gone afterwards.
    void unplug(std::string_view name);
    // `ip link set up/down` by the user: UP/DOWN.
    void set_admin(std::string_view name, bool up);
    // The link partner came or went (linkwatch): CHANGE.
    void set_carrier(std::string_view name, bool on);
    void rename(std::string_view name, std::string new_name);  // CHANGENAME
    // A new address, as the pairing key of a device without a permanent MAC (dev_addr = perm_addr):
    // CHANGEADDR.
    void set_address(std::string_view name, const MacAddress& mac);
    // Moving to another namespace: UNREGISTER, then REGISTER there with a new ifindex (E9).
    void move_netns(std::string_view name, std::uint64_t netns);
    void set_stats(std::string_view name, const Stats64& stats);

    FakeNetdev& get(std::string_view name);
    FakeNetdev* find(std::string_view name);
    FakeNetdev* find(NetdevKey key);
    // Every registered device in registration order (for the creation scan, P6).
    std::vector<Netdev> snapshot() const;

    // SlaveOps
    std::error_code open(const Netdev& dev) override;
    std::error_code close(const Netdev& dev) override;
    std::error_code set_mtu(const Netdev& dev, unsigned mtu) override;
    std::error_code add_vid(const Netdev& dev, std::uint16_t vid) override;
    std::error_code kill_vid(const Netdev& dev, std::uint16_t vid) override;
    std::error_code sync_addresses(const Netdev& dev, const AddressLists& lists) override;
    std::error_code unsync_addresses(const Netdev& dev) override;
    std::error_code set_slave_flags(const Netdev& dev) override;
    std::error_code clear_slave_flags(const Netdev& dev) override;
    std::error_code link_to_master(const Netdev& dev, const MasterIdentity& master) override;
    std::error_code unlink_from_master(const Netdev& dev, const MasterIdentity& master) override;
    std::error_code install_rx_handler(const Netdev& dev, const MasterIdentity& master) override;
    std::error_code remove_rx_handler(const Netdev& dev) override;
    StatsReading read_stats(const Netdev& dev) override;
    std::error_code take_address(const Netdev& dev, const MacAddress& mac) override;
    std::error_code restore_address(const Netdev& dev) override;

private:
    void emit(NetdevEventKind kind, const FakeNetdev& dev);
    std::error_code do_open(FakeNetdev& dev);
    std::error_code do_close(FakeNetdev& dev);

    Listener listener_;
    std::vector<std::unique_ptr<FakeNetdev>> devices_;
    int next_ifindex_ = 2;  // 1 is lo
};

}  // namespace nf::failover::sim
