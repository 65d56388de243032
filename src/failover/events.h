#pragma once
// Events in (netdev notifications, L1) and events out (what failoverd reports on its control socket).
#include <optional>
#include <string>
#include <string_view>

#include "failover/netdev.h"
#include "failover/role.h"

namespace nf::failover {

// --- in: netdev notifications, in the kernel's order (M-close-first: DOWN before UNREGISTER) ---
// change_addr: NETDEV_CHANGEADDR, the device's address changed. The kernel's net_failover ignores it (it
// pairs by the permanent MAC, which never changes); failoverd pairs devices without one by their current
// MAC, so for it a new address may pair a device, or unpair a primary.
enum class NetdevEventKind { registered, unregistered, up, down, change, change_name, change_addr };
std::string_view to_string(NetdevEventKind kind);

struct NetdevEvent {
    NetdevEventKind kind;
    Netdev dev;  // the device as it is after the event
};

// --- out ---
enum class FailoverEventKind {
    slave_joined,         // R2i (NETDEV_JOIN)
    slave_left,           // R5.5
    slave_rejected,       // P5a: the role was taken (the kernel's error log)
    active_changed,       // the TX slave changed (T2); active = new slot or none
    carrier_changed,      // master carrier (L2, M9, ...)
    lower_state_changed,  // L5, for one slave
};
std::string_view to_string(FailoverEventKind kind);

struct LowerState {
    bool link_up = false;
    bool tx_enabled = false;
    bool operator==(const LowerState&) const = default;
};

struct FailoverEvent {
    FailoverEventKind kind;
    std::string master;
    std::string slave;              // empty when no slave is involved
    std::optional<Role> role;       // the slave's role
    std::optional<Role> active;     // active_changed: the new TX slot (nullopt = drop)
    bool carrier = false;           // carrier_changed: the new master carrier
    LowerState lower;               // lower_state_changed
    std::string reason;             // why, for humans ("primary lost carrier")
};

// The daemon plugs one in to publish events; the default drops them.
class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void publish(const FailoverEvent& event) = 0;
    // The master is about to open `dev`, joining as `role` (FailoverMaster::joining): apply the program
    // now, so the device's receive path reaches the master before its first frame can arrive (the kernel
    // registers the rx_handler before dev_open). Without a datapath there is nothing to do.
    virtual void before_slave_open(const std::string& master, Role role, const Netdev& dev) {
        (void)master, (void)role, (void)dev;
    }
};

class NullEventSink final : public EventSink {
public:
    void publish(const FailoverEvent&) override {}
};

}  // namespace nf::failover
