#include "device/guest_channel.h"

namespace nf::device::channel {

namespace {
std::optional<DeviceInfo> describe(const Machine& machine, const std::string& id) {
    const PciDevice* device = machine.find_device(id);
    if (!device || !device->options.driver->is_ethernet()) return std::nullopt;
    DeviceInfo info;
    info.id = id;
    info.mac = device->options.mac ? device->options.mac->to_string() : "";
    const Standby* standby = device->is_primary() ? nullptr : machine.find_standby(id);
    info.role = standby ? Role::Standby : Role::Primary;
    info.features = standby ? standby->offered_features() : 0;
    return info;
}
}  // namespace

Hello hello_for(const Machine& machine) {
    Hello hello;
    const auto pci = machine.query_pci();
    // Walk query-pci so the guest sees devices in PCI order, as a real guest would enumerate them.
    const auto visit = [&](const auto& self, const nlohmann::json& devices) -> void {
        for (const auto& entry : devices) {
            if (entry.contains("pci_bridge")) self(self, entry["pci_bridge"]["devices"]);
            else if (const auto info = describe(machine, entry["qdev_id"].get<std::string>()))
                if (const PciDevice* d = machine.find_device(info->id); d && !d->partially_hotplugged)
                    hello.devices.push_back(*info);
        }
    };
    visit(visit, pci.at(0)["devices"]);
    return hello;
}

std::optional<Message> guest_message_for(const Machine& machine, const Action& action) {
    if (const auto* a = std::get_if<RequestEject>(&action)) return EjectRequest{a->id};
    if (const auto* a = std::get_if<CancelEject>(&action)) return EjectCancel{a->id};
    if (const auto* a = std::get_if<UnplugPrimary>(&action)) return Unplugged{a->id, a->mode};
    if (const auto* a = std::get_if<UnplugStandby>(&action)) return Unplugged{a->id, a->mode};
    std::string plugged_id;
    if (const auto* a = std::get_if<PlugPrimary>(&action)) plugged_id = a->id;
    if (const auto* a = std::get_if<PlugStandby>(&action)) plugged_id = a->id;
    if (!plugged_id.empty())
        if (auto info = describe(machine, plugged_id)) return Plugged{std::move(*info)};
    return std::nullopt;
}

Outcome apply_guest_message(Machine& machine, const Message& message) {
    if (const auto* m = std::get_if<SetFeatures>(&message)) return machine.guest_set_features(m->device, m->features);
    if (const auto* m = std::get_if<Reset>(&message)) return machine.guest_reset(m->device);
    if (const auto* m = std::get_if<EjectAck>(&message)) return machine.guest_eject(m->device);
    if (std::holds_alternative<DriverOk>(message)) return {};  // nothing failover-specific (spec §1.4)
    throw ProtocolError("the guest sent a message only the VMM may send");
}

}  // namespace nf::device::channel
