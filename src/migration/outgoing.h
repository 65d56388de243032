#pragma once
// The outgoing (source) migration state machine, spec qemu-failover.md §6.3, with our bounds:
//
//   none → setup → [wait-unplug] → active → device → completed
//   setup|wait-unplug|active|device → cancelling → cancelled
//   any running → [failing] → failed
//
// Events in (QMP commands, guest ejects, stream/return-path I/O, timer expiries, each with `now`), actions
// out (outcome.h). Where QEMU waits forever, every wait is a named timer with a named outcome:
//   - wait-unplug: x-wait-unplug-timeout, then x-wait-unplug-policy (fail: VF stays with the guest; or
//     surprise-removal: the migration goes on);
//   - cancel/failure during wait-unplug: the eject in flight is awaited up to x-cancel-unplug-timeout, then
//     cancelled/failed and the primary re-plugged (or its eject request withdrawn);
//   - VM_STARTED and SHUT from the destination: x-vm-started-timeout.
// The source never resumes a guest the destination may have started: once the main part's EOF has left the
// VMM (main_part_sent) or VM_STARTED arrived, a failure leaves the source guest paused and says so
// (QEMU's dest_vm_started rule, made conservative), unless the destination answered SHUT(error) with no
// VM_STARTED before it (its load failed; the return path is ordered). Before that, cancel/failure re-plugs the primaries,
// resumes the guest and hands any cached netpass frames back to it.
//
// QMP events, in QEMU's order (reference-figures.md; `device` is set at every switchover since QEMU 9.1):
//   MIGRATION(setup), UNPLUG_PRIMARY*, MIGRATION_PASS(1), MIGRATION(wait-unplug), MIGRATION(active), STOP,
//   MIGRATION(device), MIGRATION_PASS(2), MIGRATION(completed)
// MIGRATION and MIGRATION_PASS only with the `events` capability, as in QEMU.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "device/machine.h"
#include "migration/downtime_clock.h"
#include "migration/netpass_cache.h"
#include "migration/outcome.h"
#include "migration/return_path.h"
#include "migration/settings.h"
#include "migration/status.h"

namespace nf::migration {

// How a migration ended, by name (query-migrate's x-netfailover.outcome).
enum class Ending {
    None,                    // not ended
    Completed,
    Cancelled,
    CancelledUnplugTimeout,  // cancelled in wait-unplug; the guest never ejected within x-cancel-unplug-timeout
    WaitUnplugTimeout,       // failed: guest did not eject by x-wait-unplug-timeout (policy fail)
    StreamError,             // failed: the stream broke
    DestinationError,        // failed: the destination reported an error (SHUT != 0) or closed the return path
    VmStartedTimeout,        // failed: no VM_STARTED/SHUT within x-vm-started-timeout
};
std::string_view to_string(Ending ending);  // "completed", "wait-unplug-timeout", ...

// What happened to the wait for the guest's eject.
enum class UnplugResult { NotNeeded, Pending, Ejected, SurpriseRemoval, TimedOut, Abandoned };
std::string_view to_string(UnplugResult result);

// Where the source guest stands.
enum class SourceGuest {
    Running,        // never stopped (before switchover)
    Stopped,        // paused at switchover
    Resumed,        // cancel/failure before the destination could start: running again on the source
    LeftPaused,     // failure after the destination may have started: not resumed (it may run there)
    Handed,         // completed: the destination owns the guest
};
std::string_view to_string(SourceGuest guest);

class OutgoingMigration {
public:
    explicit OutgoingMigration(device::Machine& machine) : machine_(machine) {}

    // `migrate`: checks the settings (capability rules), snapshots them, enters setup and runs as far as it
    // can without waiting (header and config written, unplug requested, maybe straight to active/switchover).
    Outcome start(const Settings& settings, Time now);
    // `migrate_cancel`: always succeeds (a no-op when nothing runs).
    Outcome cancel(Time now);

    Outcome device_changed(Time now);  // a guest eject (or another device-model change) was applied
    Outcome timer_expired(Timer timer, Time now);
    Outcome main_part_sent(Time now);  // every byte up to the main part's EOF left the VMM
    Outcome return_path_bytes(ByteView bytes, Time now);
    Outcome return_path_closed(Time now);
    Outcome stream_failed(const std::string& why, Time now);

    // `query-migrate` (QEMU's members, plus ours under "x-netfailover"). {} before the first migration.
    nlohmann::json query(Time now, const NetpassCounters& netpass = {}) const;

    Status status() const { return status_; }
    Ending ending() const { return ending_; }
    UnplugResult unplug_result() const { return unplug_; }
    SourceGuest source_guest() const { return guest_; }
    bool dest_vm_started() const { return dest_vm_started_; }
    bool dest_may_have_started() const { return dest_vm_started_ || (main_part_sent_ && !dest_refused_); }
    const DowntimeClock& downtime() const { return downtime_; }
    const std::string& error() const { return error_; }

private:
    void set_status(Status status, Outcome& out);
    void after_setup(Time now, Outcome& out);
    void enter_active(Time now, Outcome& out);
    void switchover(Time now, Outcome& out);
    void wait_unplug_expired(Time now, Outcome& out);
    void on_return_path(const ReturnPathMessage& message, Time now, Outcome& out);
    void complete(Time now, Outcome& out);
    // Cancel or failure: waits for an eject in flight (bounded), then finishes.
    void abort(Ending ending, std::string why, bool wait_for_eject, Time now, Outcome& out);
    void finish_abort(Time now, Outcome& out);
    void cancel_timers(Outcome& out);
    void reset();

    device::Machine& machine_;
    Capabilities caps_;
    Parameters params_;
    bool send_vm_started_ = true;
    Status status_ = Status::None;
    Ending ending_ = Ending::None;
    Ending pending_ending_ = Ending::None;  // chosen while cancelling/failing waits for the eject
    UnplugResult unplug_ = UnplugResult::NotNeeded;
    SourceGuest guest_ = SourceGuest::Running;
    std::optional<Time> start_, setup_done_, end_, unplug_start_, unplug_end_;
    DowntimeClock downtime_;
    ReturnPathDecoder return_path_;
    bool main_part_sent_ = false;
    bool dest_vm_started_ = false;
    bool dest_refused_ = false;  // SHUT(error) before any VM_STARTED: the destination's guest never ran
    bool capture_started_ = false;
    bool netpass_sent_ = false;
    bool vm_was_running_ = false;  // resume on abort only a guest the migration stopped (QEMU's vm_old_state)
    bool waiting_eject_ = false;   // cancelling/failing waits (bounded) for the eject in flight
    std::optional<Timer> armed_;   // the one bounded wait in progress, if any
    std::string error_;
};

}  // namespace nf::migration
