// Machine: save/restore records for migration. Each device kind encodes its own record beside its model
// (standby_persist.h); this file only picks which devices migrate and routes records to them.
#include <algorithm>

#include "device/machine.h"
#include "device/standby_persist.h"

namespace nf::device {

std::vector<DeviceRecord> Machine::save_device_records() const {
    std::vector<DeviceRecord> records;
    // In plug order, as QEMU saves in registration order; a partially unplugged primary's vmstate was
    // unregistered at the unplug request (§1.5), so it is not in the stream.
    for (const PciDevice& device : devices_) {
        if (device.partially_hotplugged) continue;
        const auto standby = standbys_.find(device.id);
        if (standby == standbys_.end()) continue;
        records.push_back(encode_standby_record(device.id, save_standby(standby->second)));
    }
    return records;
}

Outcome Machine::restore_device_record(const DeviceRecord& record) {
    Standby* standby = mutable_standby(record.id);
    if (!standby) return reply_error(generic_error("Unknown device '" + record.id + "' in the migration stream"));
    auto decoded = decode_standby_record(record);
    if (auto* error = std::get_if<std::string>(&decoded)) return reply_error(generic_error(*error));
    const StandbyState& state = std::get<StandbyState>(decoded);
    if (auto error = check_standby_restore(*standby, state)) return reply_error(generic_error(*error));
    Outcome out = reply_ok();
    if (standby->link_up() != state.link_up) {
        standby->set_link(state.link_up);
        out.actions.push_back(SetStandbyCarrier{standby->id(), state.link_up});
    }
    // Features last: a negotiated STANDBY emits FAILOVER_NEGOTIATED and plugs the hidden primary (§1.8).
    out.merge(migration_incoming_load_standby(record.id, state.acked_features));
    return out;
}

}  // namespace nf::device
