// Machine: QMP dispatch, queries (query-pci, query-status, qom-get) and lookups.
#include "device/machine.h"

#include <algorithm>
#include <utility>

namespace nf::device {

using nlohmann::json;

std::string to_string(RunState state) {
    switch (state) {
        case RunState::Running: return "running";
        case RunState::Paused: return "paused";
        case RunState::InMigrate: return "inmigrate";
        case RunState::PostMigrate: return "postmigrate";
    }
    return "unknown";
}

std::string to_string(PrimaryState state) {
    switch (state) {
        case PrimaryState::Absent: return "absent";
        case PrimaryState::Hidden: return "hidden";
        case PrimaryState::Plugged: return "plugged";
        case PrimaryState::UnplugPending: return "unplug-pending";
        case PrimaryState::GuestEjected: return "guest-ejected";
    }
    return "unknown";
}

Outcome Machine::execute(const std::string& command, const json& arguments) {
    const json args = arguments.is_null() ? json::object() : arguments;
    if (command == "device_add") return device_add(args);
    if (command == "device_del") return device_del(args);
    if (command == "set_link") return set_link(args);
    if (command == "qom-get") return qom_get(args);
    if (command == "stop") return stop();
    if (command == "cont") return cont();
    if (command == "query-pci") return reply_ok(query_pci());
    if (command == "query-status") return reply_ok(query_status());
    return reply_error({"CommandNotFound", "The command " + command + " has not been found"});
}

namespace {
json pci_entry(int bus, int slot, int function, std::uint16_t class_code, const std::string& desc,
               std::uint16_t vendor, std::uint16_t device, const std::string& qdev_id) {
    return {{"bus", bus},
            {"slot", slot},
            {"function", function},
            {"class_info", {{"class", class_code}, {"desc", desc}}},
            {"id", {{"vendor", vendor}, {"device", device}, {"subsystem-vendor", vendor}, {"subsystem", 0x1100}}},
            {"qdev_id", qdev_id},
            {"regions", json::array()}};
}
}  // namespace

// QEMU's shape: a list of root buses; bridges carry their secondary bus and its devices in "pci_bridge".
json Machine::query_pci() const {
    const auto devices_on = [&](const Bus& bus) {
        std::vector<const PciDevice*> on;
        for (const auto& d : devices_)
            if (d.bus == bus.name) on.push_back(&d);
        std::ranges::sort(on, [](auto* a, auto* b) {
            return std::pair(a->addr.slot, a->addr.function) < std::pair(b->addr.slot, b->addr.function);
        });
        json list = json::array();
        for (const auto* d : on) {
            const auto& drv = *d->options.driver;
            list.push_back(pci_entry(bus.number, d->addr.slot, d->addr.function, drv.class_code, drv.class_desc,
                                     drv.vendor, drv.device, d->anonymous ? "" : d->id));
        }
        return list;
    };
    json root = devices_on(buses_.front());
    for (const auto& bus : buses_) {
        if (bus.kind == BusKind::RootComplex) continue;
        const bool root_port = bus.kind == BusKind::RootPort;
        json bridge = pci_entry(0, bus.bridge_slot, 0, 0x0604, "PCI bridge", 0x1b36, root_port ? 0x000c : 0x000e,
                                bus.bridge_id);
        bridge["pci_bridge"] = {
            {"bus", {{"number", bus.number}, {"secondary", bus.number}, {"subordinate", bus.number}}},
            {"devices", devices_on(bus)}};
        root.push_back(std::move(bridge));
    }
    std::sort(root.begin(), root.end(), [](const json& a, const json& b) { return a["slot"] < b["slot"]; });
    return json::array({{{"bus", 0}, {"devices", std::move(root)}}});
}

json Machine::query_status() const {
    return {{"status", to_string(run_state_)}, {"running", run_state_ == RunState::Running}, {"singlestep", false}};
}

Outcome Machine::qom_get(const json& arguments) const {
    if (!arguments.is_object() || !arguments.contains("path") || !arguments["path"].is_string())
        return reply_error(generic_error("Parameter 'path' is missing"));
    if (!arguments.contains("property") || !arguments["property"].is_string())
        return reply_error(generic_error("Parameter 'property' is missing"));
    const std::string path = arguments["path"].get<std::string>();
    const std::string property = arguments["property"].get<std::string>();
    // A root port: QEMU's pcie-root-port properties a host tool reads to know which slot a VF sits in.
    const auto port = std::ranges::find_if(buses_, [&](const Bus& b) {
        return b.kind == BusKind::RootPort && "/machine/peripheral/" + b.bridge_id == path;
    });
    if (port != buses_.end()) {
        if (property == "slot") return reply_ok(port->physical_slot);
        if (property == "type") return reply_ok("pcie-root-port");
        return reply_error(generic_error("Property 'pcie-root-port." + property + "' not found"));
    }
    const auto it = std::ranges::find_if(devices_, [&](const PciDevice& d) { return d.qom_path() == path; });
    if (it == devices_.end()) return reply_error(device_not_found("Device '" + path + "' not found"));
    if (property == "mac" && it->options.mac) return reply_ok(it->options.mac->to_string());
    if (property == "failover" && it->is_virtio_net()) return reply_ok(it->options.failover);
    if (property == "failover_pair_id") return reply_ok(it->options.failover_pair_id.value_or(""));
    if (property == "type") return reply_ok(it->options.driver->name);
    return reply_error(generic_error("Property '" + it->options.driver->name + "." + property + "' not found"));
}

PrimaryState Machine::primary_state(const std::string& id) const {
    if (const PciDevice* d = find_device(id)) {
        if (d->partially_hotplugged)
            return d->pending_deleted_event ? PrimaryState::UnplugPending : PrimaryState::GuestEjected;
        return PrimaryState::Plugged;
    }
    for (const auto& [sid, standby] : standbys_)
        if (standby.primary_options() && standby.primary_options()->id == id) return PrimaryState::Hidden;
    return PrimaryState::Absent;
}

const PciDevice* Machine::find_device(const std::string& id) const {
    const auto it = std::ranges::find(devices_, id, &PciDevice::id);
    return it == devices_.end() ? nullptr : &*it;
}

PciDevice* Machine::mutable_device(const std::string& id) {
    return const_cast<PciDevice*>(std::as_const(*this).find_device(id));
}

PciDevice* Machine::find_primary_for(const std::string& standby_id) {
    const auto it = std::ranges::find_if(devices_, [&](const PciDevice& d) {
        return d.options.failover_pair_id == standby_id;
    });
    return it == devices_.end() ? nullptr : &*it;
}

const Standby* Machine::find_standby(const std::string& id) const {
    const auto it = standbys_.find(id);
    return it == standbys_.end() ? nullptr : &it->second;
}

Standby* Machine::mutable_standby(const std::string& id) {
    const auto it = standbys_.find(id);
    return it == standbys_.end() ? nullptr : &it->second;
}

std::vector<const Standby*> Machine::standbys() const {
    std::vector<const Standby*> all;
    for (const auto& [id, standby] : standbys_) all.push_back(&standby);
    return all;
}

}  // namespace nf::device
