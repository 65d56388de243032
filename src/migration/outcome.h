#pragma once
// What the migration core hands back for every event: the QMP reply (for commands), the QMP events in
// QEMU's order, and the actions the VMM's OS edge carries out in order. Device-model actions (eject
// requests, re-plugs, pause/resume) travel inside DeviceAction, in the order the device model gave them.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "device/outcome.h"
#include "migration/bytes.h"
#include "migration/netpass_records.h"
#include "migration/time.h"

namespace nf::migration {

// Every bounded wait of the core, by name. The VMM arms a one-shot timer and reports its expiry with
// timer_expired(name); arming a timer already armed re-arms it.
enum class Timer {
    WaitUnplug,      // source: guest ejects its primaries (x-wait-unplug-timeout)
    CancelUnplug,    // source: after cancel/failure in wait-unplug, the eject in flight (x-cancel-unplug-timeout)
    ActiveTime,      // source: time in `active` before switchover (x-active-time)
    VmStarted,       // source: VM_STARTED, then SHUT, from the destination (x-vm-started-timeout)
    IncomingStall,   // destination: the next stream bytes (x-incoming-stall-timeout)
};
std::string_view to_string(Timer timer);  // "wait-unplug", "cancel-unplug", ...

struct ArmTimer { Timer timer; Millis after; bool operator==(const ArmTimer&) const = default; };
struct CancelTimer { Timer timer; bool operator==(const CancelTimer&) const = default; };

// The migration stream (source: outgoing connection; destination: incoming connection).
struct WriteStream { Bytes bytes; bool operator==(const WriteStream&) const = default; };
struct CloseStream { bool operator==(const CloseStream&) const = default; };
// The return path (destination writes, source reads; both close it with the stream).
struct WriteReturnPath { Bytes bytes; bool operator==(const WriteReturnPath&) const = default; };

// Netpass, source side (NetpassCache).
struct NetpassStartCapture { bool operator==(const NetpassStartCapture&) const = default; };  // guest just paused
// Serialize the cache (NetpassCache::take_records) into netpass section(s), then write an EOF section.
struct NetpassSend { bool operator==(const NetpassSend&) const = default; };
// Migration failed before the destination started: give the cached frames to the resumed source guest.
struct NetpassReturnToGuest { bool operator==(const NetpassReturnToGuest&) const = default; };
// Netpass, destination side (NetpassOrdering).
struct NetpassHold { bool operator==(const NetpassHold&) const = default; };  // hold own frames from resume on
struct NetpassInject { std::vector<NetpassFrame> frames; bool operator==(const NetpassInject&) const = default; };
struct NetpassRelease { bool operator==(const NetpassRelease&) const = default; };  // no cache coming: release held
// Both sides, any outcome (scenario 39): capture off, cache/hold queue emptied, backend polling back to normal.
struct NetpassEnd { bool operator==(const NetpassEnd&) const = default; };

// Destination: self-announce (RARP/GARP from the PV port) right after the guest resumes, as QEMU does.
struct Announce { bool operator==(const Announce&) const = default; };

struct DeviceAction { device::Action action; bool operator==(const DeviceAction&) const = default; };

using Action = std::variant<ArmTimer, CancelTimer, WriteStream, CloseStream, WriteReturnPath, NetpassStartCapture,
                            NetpassSend, NetpassReturnToGuest, NetpassHold, NetpassInject, NetpassRelease,
                            NetpassEnd, Announce, DeviceAction>;
std::string to_string(const Action& action);  // for logs and test failure messages

struct Outcome {
    std::optional<device::Reply> reply;  // set for QMP commands (migrate, migrate_cancel, migrate-incoming)
    std::vector<device::Event> events;
    std::vector<Action> actions;
    std::vector<std::string> warnings;  // for the edge to log

    bool ok() const { return reply && std::holds_alternative<nlohmann::json>(*reply); }
    const device::CommandError* error() const {
        return reply ? std::get_if<device::CommandError>(&*reply) : nullptr;
    }
    // Appends a device-model outcome: its events, its actions (as DeviceAction), its warnings; not its reply.
    void absorb(device::Outcome&& device_outcome);
};

}  // namespace nf::migration
