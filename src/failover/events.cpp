#include "failover/events.h"

namespace nf::failover {

std::string_view to_string(NetdevEventKind kind) {
    switch (kind) {
        case NetdevEventKind::registered: return "register";
        case NetdevEventKind::unregistered: return "unregister";
        case NetdevEventKind::up: return "up";
        case NetdevEventKind::down: return "down";
        case NetdevEventKind::change: return "change";
        case NetdevEventKind::change_name: return "changename";
        case NetdevEventKind::change_addr: return "changeaddr";
    }
    return "unknown";
}

std::string_view to_string(FailoverEventKind kind) {
    switch (kind) {
        case FailoverEventKind::slave_joined: return "slave-joined";
        case FailoverEventKind::slave_left: return "slave-left";
        case FailoverEventKind::slave_rejected: return "slave-rejected";
        case FailoverEventKind::active_changed: return "active-changed";
        case FailoverEventKind::carrier_changed: return "carrier-changed";
        case FailoverEventKind::lower_state_changed: return "lower-state-changed";
    }
    return "unknown";
}

}  // namespace nf::failover
