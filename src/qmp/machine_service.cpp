#include "qmp/machine_service.h"

#include <spdlog/spdlog.h>

#include "device/guest_channel.h"

namespace nf::qmp {

MachineService::MachineService(device::Machine& machine, ActionSink backend)
    : machine_(machine), backend_(std::move(backend)) {}

QmpResult MachineService::execute(const std::string& command, const nlohmann::json& arguments) {
    const device::Outcome outcome = machine_.execute(command, arguments);
    publish(outcome);
    if (const auto* error = outcome.error()) return QmpError{error->error_class, error->desc};
    return outcome.reply ? std::get<nlohmann::json>(*outcome.reply) : nlohmann::json::object();
}

void MachineService::on_guest_message(const device::channel::Message& message) {
    try {
        publish(device::channel::apply_guest_message(machine_, message));
    } catch (const device::channel::ProtocolError& e) {
        spdlog::warn("device channel: {}", e.what());
    }
}

void MachineService::publish(const device::Outcome& outcome) {
    for (const auto& warning : outcome.warnings) spdlog::warn("{}", warning);
    // Backend first, then the guest notice: a "plugged" message must find the veth already in the guest.
    for (const auto& action : outcome.actions) {
        if (backend_) backend_(action);
        if (channel_)
            if (auto message = device::channel::guest_message_for(machine_, action)) channel_->send(*message);
    }
    if (qmp_)
        for (const auto& event : outcome.events) qmp_->broadcast(event.name, event.data);
}

}  // namespace nf::qmp
