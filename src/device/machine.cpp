// Machine: device creation and removal (device_add, -device, device_del, guest eject, surprise removal).
#include "device/machine.h"

#include <algorithm>
#include <stdexcept>

namespace nf::device {

namespace {
std::string mac_text(const DeviceOptions& o) { return o.mac ? o.mac->to_string() : ""; }
}  // namespace

Machine::Machine(MachineOptions options) : options_(options), buses_(build_buses(options.topology)) {}

Outcome Machine::cold_plug(const nlohmann::json& device_arguments) {
    if (started_) throw std::logic_error("cold_plug after the machine started; use device_add");
    return add_device(device_arguments, /*hotplug=*/false);
}

void Machine::start(RunState initial) {
    started_ = true;
    run_state_ = initial;
}

Outcome Machine::device_add(const nlohmann::json& arguments) { return add_device(arguments, started_); }

// QEMU's qdev_device_add up to the hiding hooks: model, bus, then every failover standby's listener, which
// refuses a failover_pair_id without an id before any property is parsed (failover_hide_primary_device).
void Machine::check_head(const nlohmann::json& arguments) const {
    const DeviceHead head = parse_device_head(arguments);
    (void)resolve_bus(head.bus);
    const bool failover_listener =
        std::ranges::any_of(standbys_, [](const auto& entry) { return entry.second.failover(); });
    if (failover_listener && head.has_failover_pair_id && !head.has_id)
        throw CommandFailure(generic_error("Device with failover_pair_id needs to have id"));
}

std::optional<CommandError> Machine::check_device_head(const nlohmann::json& arguments) const {
    try {
        check_head(arguments);
        return std::nullopt;
    } catch (const CommandFailure& failure) {
        return failure.error();
    }
}

// The order follows QEMU's qdev_device_add: model, bus, hiding hooks, migration guard, then properties
// (parse_device_options) and realize.
Outcome Machine::add_device(const nlohmann::json& arguments, bool hotplug) {
    try {
        check_head(arguments);
        // A device no standby hides meets QEMU's hotplug and migration checks before its properties.
        const DeviceHead head = parse_device_head(arguments);
        const bool hidden_candidate = head.failover_pair_id && [&] {
            const auto it = standbys_.find(*head.failover_pair_id);
            return it != standbys_.end() && it->second.failover();
        }();
        if (!hidden_candidate) {
            const Bus& bus = resolve_bus(head.bus);
            if (hotplug && !bus.is_hotpluggable())
                throw CommandFailure(generic_error("Bus '" + bus.name + "' does not support hotplugging"));
            if (migrating_) throw CommandFailure(generic_error("device_add not allowed while migrating"));
        }
        const DeviceOptions device = parse_device_options(arguments);
        const Bus& bus = resolve_bus(device);
        if (const auto hidden = run_hiding_hooks(device); hidden && *hidden) {
            // A hidden primary succeeds with nothing created, but only where it could be hotplugged later.
            if (!bus.is_hotpluggable())
                throw CommandFailure(generic_error("Bus '" + bus.name + "' does not support hotplugging"));
            return reply_ok();
        }
        if (migrating_) throw CommandFailure(generic_error("device_add not allowed while migrating"));
        Outcome out = reply_ok();
        realize(device, hotplug, out);
        return out;
    } catch (const CommandFailure& failure) {
        return reply_error(failure.error());
    }
}

const Bus& Machine::resolve_bus(const DeviceOptions& device) const { return resolve_bus(device.bus); }

const Bus& Machine::resolve_bus(const std::optional<std::string>& bus) const {
    const std::string name = bus.value_or("pcie.0");
    const auto it = std::ranges::find(buses_, name, &Bus::name);
    if (it == buses_.end()) throw CommandFailure(device_not_found("Bus '" + name + "' not found"));
    return *it;
}

// Every failover standby sees every device creation (QEMU's device listener hide_device).
std::optional<bool> Machine::run_hiding_hooks(const DeviceOptions& device) {
    for (auto& [id, standby] : standbys_)
        if (const auto hidden = standby.claim(device)) return hidden;
    return std::nullopt;
}

bool Machine::id_in_use(const std::string& id) const {
    return std::ranges::any_of(devices_, [&](const PciDevice& d) { return d.id == id; });
}

void Machine::realize(const DeviceOptions& device, bool hotplug, Outcome& out) {
    const Bus& bus = resolve_bus(device);
    if (device.id && id_in_use(*device.id))
        throw CommandFailure(generic_error("Duplicate ID '" + *device.id + "' for device"));
    if (hotplug && !bus.is_hotpluggable())
        throw CommandFailure(generic_error("Bus '" + bus.name + "' does not support hotplugging"));
    const PciAddress addr = place(device, bus);
    if (device.failover_pair_id) check_failover_primary(device, bus, addr);

    PciDevice created{device, device.id.value_or("device[" + std::to_string(anonymous_devices_) + "]"),
                      !device.id.has_value(), bus.name, addr};
    if (!device.id) ++anonymous_devices_;
    if (created.is_virtio_net()) standbys_.emplace(created.id, Standby(created.id, device.mac, device.failover));

    if (created.is_virtio_net() && !created.is_primary())
        out.actions.push_back(PlugStandby{created.id, mac_text(device)});
    else if (device.driver->is_ethernet())
        out.actions.push_back(PlugPrimary{created.id, mac_text(device)});
    devices_.push_back(std::move(created));
}

// Picks the PCI address: slot 0 on a root port (its only slot), else the given or first free slot.
PciAddress Machine::place(const DeviceOptions& device, const Bus& bus) const {
    const auto used_by = [&](const PciAddress& a) -> const PciDevice* {
        for (const auto& d : devices_)
            if (d.bus == bus.name && d.addr.slot == a.slot && d.addr.function == a.function) return &d;
        return nullptr;
    };
    const auto bridge_at = [&](int slot) {
        return bus.kind == BusKind::RootComplex &&
               std::ranges::any_of(buses_, [&](const Bus& b) { return b.bridge_slot == slot; });
    };
    PciAddress addr;
    if (device.addr) {
        addr = *device.addr;
    } else if (bus.kind != BusKind::RootPort) {
        addr.slot = 1;
        while (addr.slot < 32 && (used_by(addr) || bridge_at(addr.slot))) ++addr.slot;
        if (addr.slot == 32) throw CommandFailure(generic_error("PCI: no slot/function available for " +
                                                                device.driver->name + ", all in use"));
    }
    if (bus.kind == BusKind::RootPort && addr.slot != 0)
        throw CommandFailure(generic_error("PCI: slot " + std::to_string(addr.slot) + " function " +
                                           std::to_string(addr.function) + " not available for " +
                                           device.driver->name + ", limited by PCIe downstream port"));
    const PciDevice* owner = used_by(addr);
    if (owner || (addr.function == 0 && bridge_at(addr.slot)))
        throw CommandFailure(generic_error(
            "PCI: slot " + std::to_string(addr.slot) + " function " + std::to_string(addr.function) +
            " not available for " + device.driver->name + ", in use by " +
            (owner ? owner->options.driver->name + ",id=" + owner->id : std::string("a bridge"))));
    return addr;
}

// PCI realize rules for a device with failover_pair_id (spec §1.1, in QEMU's order).
void Machine::check_failover_primary(const DeviceOptions& device, const Bus& bus, const PciAddress& addr) const {
    if (!bus.is_express()) throw CommandFailure(generic_error("failover primary device must be on PCIExpress bus"));
    if (!device.driver->is_ethernet())
        throw CommandFailure(generic_error("failover primary device is not an Ethernet device"));
    if (addr.function != 0 || device.multifunction)
        throw CommandFailure(generic_error("failover: primary device must be in its own PCI slot"));
}

Outcome Machine::device_del(const nlohmann::json& arguments) {
    if (!arguments.is_object() || !arguments.contains("id") || !arguments["id"].is_string())
        return reply_error(generic_error("Parameter 'id' is missing"));
    const std::string id = arguments["id"].get<std::string>();
    PciDevice* device = mutable_device(id);
    if (!device || device->anonymous) return reply_error(device_not_found("Device '" + id + "' not found"));
    // Only primaries are allowed to leave during a migration (spec §1.1 rule 4).
    if (migrating_ && !device->is_primary()) return reply_error(generic_error("device_del not allowed while migrating"));
    if (device->delete_requested || device->pending_deleted_event)
        return reply_error(generic_error("Device " + id + " is already in the process of unplug"));
    device->delete_requested = true;
    Outcome out = reply_ok();
    out.actions.push_back(RequestEject{id});
    return out;
}

Outcome Machine::guest_eject(const std::string& device_id) {
    Outcome out;
    PciDevice* device = mutable_device(device_id);
    if (!device) {
        out.warnings.push_back("guest ejected unknown device '" + device_id + "'");
        return out;
    }
    if (device->partially_hotplugged) {
        // Migration unplug: the guest let go, but the device stays realized for a possible re-plug (§1.5 step 3).
        if (device->pending_deleted_event) {
            device->pending_deleted_event = false;
            unplug_action(*device, RemovalMode::Orderly, out);
        }
        return out;
    }
    remove_device(device_id, RemovalMode::Orderly, out);
    return out;
}

Outcome Machine::surprise_remove(const std::string& device_id) {
    Outcome out;
    if (!find_device(device_id)) {
        out.warnings.push_back("surprise removal of unknown device '" + device_id + "'");
        return out;
    }
    remove_device(device_id, RemovalMode::Surprise, out);
    return out;
}

void Machine::remove_device(const std::string& id, RemovalMode mode, Outcome& out) {
    const auto it = std::ranges::find(devices_, id, &PciDevice::id);
    const PciDevice removed = std::move(*it);
    devices_.erase(it);
    // A deleted primary is gone for good: its standby must not re-plug it from the captured options.
    if (removed.is_primary())
        if (Standby* standby = mutable_standby(*removed.options.failover_pair_id);
            standby && standby->primary_options() && standby->primary_options()->id == removed.options.id)
            standby->forget_primary();
    standbys_.erase(removed.id);
    unplug_action(removed, mode, out);
    nlohmann::json data{{"path", removed.qom_path()}};
    if (!removed.anonymous) data["device"] = removed.id;
    out.events.push_back({"DEVICE_DELETED", std::move(data)});
}

void Machine::unplug_action(const PciDevice& device, RemovalMode mode, Outcome& out) const {
    if (device.is_virtio_net() && !device.is_primary())
        out.actions.push_back(UnplugStandby{device.id, mode});
    else if (device.options.driver->is_ethernet())
        out.actions.push_back(UnplugPrimary{device.id, mode});
}

}  // namespace nf::device
