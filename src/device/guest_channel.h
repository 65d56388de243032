#pragma once
// Glue between the Machine and the device channel, still without I/O: what the guest is told when it
// connects, which backend actions become channel messages, and what a guest message does to the model.
#include <optional>

#include "device/channel_protocol.h"
#include "device/machine.h"

namespace nf::device::channel {

// The hello a guest gets on connect: every plugged NIC, standbys with their offered features.
Hello hello_for(const Machine& machine);

// The channel message the guest must see for a backend action, if any (eject requests, plug notices).
std::optional<Message> guest_message_for(const Machine& machine, const Action& action);

// Applies a guest -> VMM message to the model. VMM -> guest types are a protocol error from a guest.
Outcome apply_guest_message(Machine& machine, const Message& message);

}  // namespace nf::device::channel
