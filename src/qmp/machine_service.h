#pragma once
// Serves a device::Machine over QMP and the device channel, for the lab VMM: the model decides, this file
// routes its outcome — events to QMP clients, channel messages to the guest, backend actions to the VMM.
#include <functional>

#include "device/machine.h"
#include "qmp/device_channel.h"
#include "qmp/qmp_server.h"

namespace nf::qmp {

// Carries out one backend action (tap carrier, veth move, cgroup freeze). Called in the model's order.
using ActionSink = std::function<void(const device::Action&)>;

class MachineService {
public:
    // Attach the QMP server and, when there is one, the device channel before serving.
    MachineService(device::Machine& machine, ActionSink backend);

    void attach(QmpServer& server) { qmp_ = &server; }
    void attach(DeviceChannelServer& channel) { channel_ = &channel; }
    void detach_channel() { channel_ = nullptr; }  // before the channel server goes (live migration)

    // The QmpServer command handler: runs the command on the machine and publishes its outcome.
    QmpResult execute(const std::string& command, const nlohmann::json& arguments);
    // The DeviceChannelServer message handler.
    void on_guest_message(const device::channel::Message& message);
    // Publishes an outcome produced elsewhere (migration hooks, surprise removal): events, actions, warnings.
    void publish(const device::Outcome& outcome);

private:
    device::Machine& machine_;
    ActionSink backend_;
    QmpServer* qmp_ = nullptr;
    DeviceChannelServer* channel_ = nullptr;
};

}  // namespace nf::qmp
