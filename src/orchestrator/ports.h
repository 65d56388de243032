#pragma once
// What the migration plan needs from the world, as narrow interfaces: a VMM's QMP (one per side), the host
// NIC's MAC filter (one per host) and a clock. The edge (edge/) implements them over sockets and netlink;
// unit tests script them. Nothing here makes a system call.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace nf::orchestrator {

using Millis = std::chrono::milliseconds;

// A QMP reply: a return value or an error (class + description, as QEMU sends them).
struct QmpReply {
    bool ok = true;
    nlohmann::json value = nlohmann::json::object();
    std::string error_class;
    std::string desc;

    static QmpReply success(nlohmann::json v = nlohmann::json::object()) { return {true, std::move(v), {}, {}}; }
    static QmpReply failure(std::string cls, std::string d) { return {false, {}, std::move(cls), std::move(d)}; }
    bool command_not_found() const { return !ok && error_class == "CommandNotFound"; }
};

// A QMP event with the VMM's own timestamp (wall clock, microseconds since the epoch).
struct QmpEvent {
    std::string name;
    nlohmann::json data = nlohmann::json::object();
    std::int64_t wall_us = 0;
};

// One VMM's QMP connection, negotiated. execute() throws std::runtime_error when the connection is lost or
// the reply does not come within the edge's bound; an error *reply* is a QmpReply with ok=false.
class VmmPort {
public:
    virtual ~VmmPort() = default;
    virtual QmpReply execute(const std::string& command, const nlohmann::json& arguments) = 0;
    // The next event (queued, or arriving within `timeout`); nullopt when none came.
    virtual std::optional<QmpEvent> next_event(Millis timeout) = 0;
};

// The host NIC's MAC filter for the VM's MAC (a bridge FDB entry in the lab, IFLA_VF_MAC on a real PF).
// Every method throws std::runtime_error with the operation and the object named.
class HostFilter {
public:
    virtual ~HostFilter() = default;
    virtual std::string describe() const = 0;
    // Preflight for the VM's MAC: everything named exists; remembers the current state for restore().
    // Changes nothing.
    virtual void check(const std::string& mac) = 0;
    // Frames for the VM's MAC go to the PV (standby) port / to the VF.
    virtual void to_standby() = 0;
    virtual void to_primary() = 0;
    // Puts back what check() found.
    virtual void restore() = 0;
    // The VM has left this host: takes away what to_standby() installed, so the host learns the MAC anew.
    virtual void release() = 0;
    // The VF's own link, where this filter owns one (IFLA_VF_LINK_STATE on a real PF): down, so the guest's VF
    // driver reports carrier loss before the VF is unplugged. false: this filter has no such link (a bridge FDB).
    virtual bool link_down() { return false; }
    // Puts back the link state link_down() found (undo, and release(): the VF is free again).
    virtual void link_restore() {}
};

// Host netpass (failover-netpass, one half per host; src/netpass): keeps the frames toward the VM that reach
// the stopped source's tap and injects them on the destination first. Every method but abort() throws
// std::runtime_error naming the half.
class HostNetpass {
public:
    virtual ~HostNetpass() = default;
    virtual std::string describe() const = 0;
    // Both halves run, their programs attached (passing frames, mirroring on the source).
    virtual void start() = 0;
    // The source VM stopped: keep (source) and hold (destination).
    virtual void arm() = 0;
    // The VM runs on the destination: inject there, forward what still reaches the source.
    virtual void resumed() = 0;
    // Waits up to `bound` for both halves' final counts; {"source":{...},"destination":{...}, totals}.
    virtual nlohmann::json finish(Millis bound) = 0;
    // Rollback or failure: both halves detach (the source gives the frames it kept back to the source VM).
    // Returns the counts it got (may be partial). Never throws.
    virtual nlohmann::json abort() noexcept = 0;
};

class Clock {
public:
    virtual ~Clock() = default;
    // For deadlines.
    virtual std::chrono::steady_clock::time_point now() = 0;
    // For the timeline (comparable with QMP event timestamps): microseconds since the epoch.
    virtual std::int64_t wall_us() = 0;
};

}  // namespace nf::orchestrator
