// Machine: the failover side of migration (spec §1.5–1.8). The migration state machine calls these hooks;
// the stream itself lives in src/migration.
#include "device/machine.h"

#include <algorithm>

namespace nf::device {

Outcome Machine::migration_source_setup() {
    Outcome out;
    migrating_ = true;
    for (auto& [id, standby] : standbys_) {
        if (!standby.failover() || standby.hidden()) continue;
        PciDevice* primary = find_primary_for(id);
        if (!primary) continue;
        // Ask the guest to let go but keep the device realized, so a failed migration can plug it back.
        primary->partially_hotplugged = true;
        primary->pending_deleted_event = true;
        out.actions.push_back(RequestEject{primary->id});
        // QEMU emits this when it *requests* the unplug, whatever the QAPI text says (spec §1.5).
        out.events.push_back({"UNPLUG_PRIMARY", {{"device-id", primary->id}}});
        standby.set_hidden(true);
    }
    return out;
}

bool Machine::unplug_pending() const {
    return std::ranges::any_of(standbys_, [&](const auto& entry) {
        // Not a structured binding: clang 14 (the fuzz build) cannot capture one in the lambda below.
        const std::string& id = entry.first;
        const auto& standby = entry.second;
        if (!standby.failover() || !standby.negotiated()) return false;
        const auto primary = std::ranges::find_if(devices_, [&](const PciDevice& d) {
            return d.options.failover_pair_id == id;
        });
        return primary != devices_.end() && primary->pending_deleted_event;
    });
}

std::vector<std::string> Machine::pending_unplugs() const {
    std::vector<std::string> ids;
    for (const PciDevice& device : devices_)
        if (device.partially_hotplugged && device.pending_deleted_event) ids.push_back(device.id);
    return ids;
}

Outcome Machine::migration_force_unplug() {
    Outcome out;
    for (PciDevice& device : devices_) {
        if (!device.partially_hotplugged || !device.pending_deleted_event) continue;
        // Pulled from under the guest, like a VF reset; still realized, so a failed migration re-plugs it.
        device.pending_deleted_event = false;
        unplug_action(device, RemovalMode::Surprise, out);
    }
    return out;
}

Outcome Machine::migration_source_failed() {
    Outcome out;
    migrating_ = false;
    for (auto& [id, standby] : standbys_) {
        PciDevice* primary = find_primary_for(id);
        if (!primary || !primary->partially_hotplugged) continue;
        // Never ejected: withdraw the request; ejected: hot-add it to the guest again.
        if (primary->pending_deleted_event) out.actions.push_back(CancelEject{primary->id});
        else out.actions.push_back(PlugPrimary{primary->id, primary->options.mac ? primary->options.mac->to_string() : ""});
        primary->partially_hotplugged = false;
        primary->pending_deleted_event = false;
        standby.set_hidden(false);
    }
    return out;
}

Outcome Machine::migration_source_completed() {
    migrating_ = false;
    run_state_ = RunState::PostMigrate;
    return {};
}

void Machine::migration_incoming_begin() { run_state_ = RunState::InMigrate; }

Outcome Machine::migration_incoming_load_standby(const std::string& standby_id, std::uint64_t features) {
    return guest_set_features(standby_id, features);
}

Outcome Machine::migration_incoming_finish(bool autostart) {
    Outcome out;
    if (!autostart) {
        run_state_ = RunState::Paused;
        return out;
    }
    run_state_ = RunState::Running;
    out.events.push_back({"RESUME", nlohmann::json::object()});
    out.actions.emplace_back(std::in_place_type<ResumeGuest>);
    return out;
}

}  // namespace nf::device
