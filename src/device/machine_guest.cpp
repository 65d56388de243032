// Machine: what the guest's drivers do (feature negotiation, reset) and the link/run-state commands.
#include "device/machine.h"

#include <algorithm>

#include "device/features.h"

namespace nf::device {

Outcome Machine::guest_set_features(const std::string& standby_id, std::uint64_t driver_features) {
    Outcome out;
    Standby* standby = mutable_standby(standby_id);
    if (!standby) {
        out.warnings.push_back("guest set features on unknown virtio-net device '" + standby_id + "'");
        return out;
    }
    const std::uint64_t acked = standby->set_features(driver_features);
    if (!standby->failover() || (acked & kFeatureStandby) == 0) return out;
    // Emitted on every write that contains STANDBY, not only the first (spec §1.3).
    out.events.push_back({"FAILOVER_NEGOTIATED", {{"device-id", standby->id()}}});
    standby->set_hidden(false);
    plug_primary_of(*standby, out);
    return out;
}

// QEMU's failover_add_primary: nothing if the primary exists, else create it from the captured options.
void Machine::plug_primary_of(Standby& standby, Outcome& out) {
    if (find_primary_for(standby.id())) return;
    if (!standby.primary_options()) {
        out.warnings.push_back("Primary device not found");
        out.warnings.push_back("Virtio-net failover will not work. Make sure primary device has parameter "
                               "failover_pair_id=" + standby.id());
        return;
    }
    try {
        realize(*standby.primary_options(), /*hotplug=*/started_, out);
    } catch (const CommandFailure& failure) {
        out.warnings.push_back("failover: could not plug primary '" + standby.primary_options()->display_id() +
                               "': " + failure.error().desc);
        standby.forget_primary();  // as QEMU: options that failed to realize are dropped
    }
}

Outcome Machine::guest_reset(const std::string& standby_id) {
    Outcome out;
    Standby* standby = mutable_standby(standby_id);
    if (!standby) {
        out.warnings.push_back("guest reset of unknown virtio-net device '" + standby_id + "'");
        return out;
    }
    standby->reset();
    if (options_.reset_policy == ResetPolicy::QemuCompatible || !standby->failover()) return out;
    // Re-hide: the guest's driver is gone, so the primary leaves without an eject handshake. It is hidden,
    // not deleted: no DEVICE_DELETED, and the next STANDBY ack plugs it again from its options.
    standby->set_hidden(true);
    PciDevice* primary = find_primary_for(standby->id());
    if (!primary || primary->partially_hotplugged) return out;
    if (!standby->primary_options()) standby->adopt_primary(primary->options);
    const PciDevice removed = *primary;
    std::erase_if(devices_, [&](const PciDevice& d) { return d.id == removed.id; });
    unplug_action(removed, RemovalMode::Surprise, out);
    return out;
}

Outcome Machine::set_link(const nlohmann::json& arguments) {
    if (!arguments.is_object() || !arguments.contains("name") || !arguments["name"].is_string())
        return reply_error(generic_error("Parameter 'name' is missing"));
    if (!arguments.contains("up") || !arguments["up"].is_boolean())
        return reply_error(generic_error("Parameter 'up' is missing"));
    const std::string name = arguments["name"].get<std::string>();
    Standby* standby = mutable_standby(name);
    // Only virtio-net devices are net clients here; a passthrough NIC has no link QEMU can set.
    if (!standby) return reply_error(device_not_found("Device '" + name + "' not found"));
    const bool up = arguments["up"].get<bool>();
    Outcome out = reply_ok();
    if (standby->link_up() != up) {
        standby->set_link(up);
        out.actions.push_back(SetStandbyCarrier{name, up});
    }
    return out;
}

Outcome Machine::stop() {
    Outcome out = reply_ok();
    if (run_state_ != RunState::Running) return out;
    run_state_ = RunState::Paused;
    out.events.push_back({"STOP", nlohmann::json::object()});
    out.actions.emplace_back(std::in_place_type<PauseGuest>);
    return out;
}

Outcome Machine::cont() {
    if (run_state_ == RunState::InMigrate)
        return reply_error(generic_error("Guest is waiting for an incoming migration"));
    Outcome out = reply_ok();
    if (run_state_ == RunState::Running) return out;
    run_state_ = RunState::Running;
    out.events.push_back({"RESUME", nlohmann::json::object()});
    out.actions.emplace_back(std::in_place_type<ResumeGuest>);
    return out;
}

}  // namespace nf::device
