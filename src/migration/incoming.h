#pragma once
// The incoming (destination) migration state machine, spec qemu-failover.md §6.4:
//
//   none → setup (migrate-incoming / --incoming) → active (stream connected, loading) → completed | failed
//
// Loading: the stream header, the config section (capability mismatch fails the load, scenario 32), device
// records (a negotiated standby's record emits FAILOVER_NEGOTIATED and plugs the hidden primary), EOF.
// At EOF: hold own frames (netpass), resume the guest (RESUME), announce, send VM_STARTED; with netpass,
// load the tail (netpass sections, EOF) and inject the cached frames before any frame held meanwhile; a
// broken or missing tail is a warning, never a failure (scenario 36). Then completed and SHUT(0).
// A broken or hostile stream (truncated, wrong version, oversized section, garbage, stall past
// x-incoming-stall-timeout) fails the load with a clear error; the guest is never started and SHUT(1)
// tells the source, which then resumes its own guest.
//
// QMP events, in QEMU's order: MIGRATION(setup), MIGRATION(active), FAILOVER_NEGOTIATED*, RESUME,
// MIGRATION(completed). MIGRATION only with the `events` capability.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "device/machine.h"
#include "migration/netpass_cache.h"
#include "migration/outcome.h"
#include "migration/settings.h"
#include "migration/status.h"
#include "migration/stream_reader.h"

namespace nf::migration {

class IncomingMigration {
public:
    explicit IncomingMigration(device::Machine& machine) : machine_(machine) {}

    // `migrate-incoming` (or --incoming URI at start-up). autostart=false: QEMU's -S, the guest stays paused
    // after the load (VM_STARTED is still sent: it "could be started").
    Outcome start(const Settings& settings, Time now, bool autostart = true);
    Outcome stream_connected(Time now);
    Outcome stream_bytes(ByteView bytes, Time now);
    Outcome stream_closed(Time now);
    Outcome timer_expired(Timer timer, Time now);

    nlohmann::json query(Time now, const NetpassCounters& netpass = {}) const;

    Status status() const { return status_; }
    const std::string& error() const { return error_; }
    bool guest_started() const { return guest_started_; }
    bool loaded() const { return main_loaded_; }
    bool netpass() const { return caps_.netpass; }  // the capability as the stream connected

private:
    void set_status(Status status, Outcome& out);
    void on_section(Section section, Time now, Outcome& out);
    void main_loaded(Time now, Outcome& out);
    void finish_tail(std::string warning, Time now, Outcome& out);
    void complete(Time now, Outcome& out);
    void fail(std::string why, Time now, Outcome& out);

    device::Machine& machine_;
    Capabilities caps_;
    Parameters params_;
    bool send_vm_started_ = true;
    bool autostart_ = true;
    Status status_ = Status::None;
    StreamReader reader_;
    std::optional<Time> start_, end_;
    bool config_seen_ = false;
    bool main_loaded_ = false;
    bool guest_started_ = false;
    std::vector<NetpassFrame> tail_frames_;
    std::size_t tail_bytes_ = 0;
    std::uint64_t tail_dropped_ = 0;
    std::string error_;
};

}  // namespace nf::migration
