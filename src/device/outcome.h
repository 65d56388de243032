#pragma once
// What the device model hands back for every request or guest event: a QMP reply, the QMP events it
// raised and the actions the backend (taps, veths, the guest channel) must carry out. The model never
// does I/O itself; the VMM's OS edge executes the actions in order.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace nf::device {

// A QMP error: class as QEMU names them ("GenericError", "DeviceNotFound", "CommandNotFound").
struct CommandError {
    std::string error_class;
    std::string desc;
    bool operator==(const CommandError&) const = default;
};

CommandError generic_error(std::string desc);
CommandError device_not_found(std::string desc);

// The QMP reply of a command: a JSON result ({} for most) or an error.
using Reply = std::variant<nlohmann::json, CommandError>;

// A QMP event without its timestamp (the QMP server stamps it when it sends it).
struct Event {
    std::string name;
    nlohmann::json data = nlohmann::json::object();
    bool operator==(const Event&) const = default;
};

enum class RemovalMode { Orderly, Surprise };

// Backend actions. "Primary" means a passthrough NIC (a veth in the lab); "Standby" a virtio-net NIC (a tap).
struct PlugPrimary { std::string id; std::string mac; bool operator==(const PlugPrimary&) const = default; };
struct UnplugPrimary { std::string id; RemovalMode mode; bool operator==(const UnplugPrimary&) const = default; };
struct PlugStandby { std::string id; std::string mac; bool operator==(const PlugStandby&) const = default; };
struct UnplugStandby { std::string id; RemovalMode mode; bool operator==(const UnplugStandby&) const = default; };
// Ask the guest to eject a device (PCIe attention button / ACPI "down" bit in QEMU; eject_request on our channel).
struct RequestEject { std::string id; bool operator==(const RequestEject&) const = default; };
// Withdraw an eject request the guest has not acted on yet (migration cancelled before the eject).
struct CancelEject { std::string id; bool operator==(const CancelEject&) const = default; };
struct SetStandbyCarrier { std::string id; bool up; bool operator==(const SetStandbyCarrier&) const = default; };
struct PauseGuest { bool operator==(const PauseGuest&) const = default; };
struct ResumeGuest { bool operator==(const ResumeGuest&) const = default; };

using Action = std::variant<PlugPrimary, UnplugPrimary, PlugStandby, UnplugStandby, RequestEject, CancelEject,
                            SetStandbyCarrier, PauseGuest, ResumeGuest>;

std::string to_string(const Action& action);  // for logs and test failure messages

struct Outcome {
    std::optional<Reply> reply;  // set for QMP commands, empty for guest events and notifier hooks
    std::vector<Event> events;
    std::vector<Action> actions;
    std::vector<std::string> warnings;  // for the edge to log (QEMU's warn_report lines)

    bool ok() const { return reply && std::holds_alternative<nlohmann::json>(*reply); }
    const CommandError* error() const { return reply ? std::get_if<CommandError>(&*reply) : nullptr; }
    // Appends another outcome's events, actions and warnings (not its reply).
    void merge(Outcome&& other);
};

Outcome reply_ok(nlohmann::json result = nlohmann::json::object());
Outcome reply_error(CommandError error);

}  // namespace nf::device
