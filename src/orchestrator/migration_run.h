#pragma once
// MigrationRun: the migration of one VM with a VF, step by step, each step with its undo (the kernel doc's
// script done right). Driven only through VmmPort / HostFilter / Clock, so every path runs in unit tests.
//
//   preflight            both VMMs answer, source running, destination `inmigrate`, capabilities agree,
//                        the failover pair found (query-pci + qom-get failover_pair_id)   (changes nothing)
//   capabilities         events / return-path / netpass where both offer them   undo: set them back
//   standby-link-up      set_link standby up                                     undo: none (see .cpp)
//   filter-to-standby    source host: the VM's MAC → the PV port                  undo: filter as found
//   primary-link-down    opt-in (bounds.link_down_settle): set_link PRIMARY down (a NIC the VMM emulates),
//                        else the source filter's VF link state disable (real SR-IOV), then the settle
//                                                                                 undo: link up again
//   unplug-primary       failover=off: device_del + DEVICE_DELETED (bounded)      undo: device_add again
//                        failover=on: QEMU's own wait-unplug inside `migrate` (bounded by us)
//   netpass-start        host netpass: both failover-netpass halves attached      undo: abort (detach; the
//                        source's kept frames go back to the source VM)
//   migrate              `migrate`, MIGRATION events + query-migrate polls        undo: migrate_cancel, cont
//                        (host netpass: armed on the source's STOP / `device` state)
//   release-source-filter source host: our entry removed (the VM left), as soon as the destination runs
//                        (a destination started paused: after announce-self)
//   netpass-finish       host netpass, once the destination runs: the halves' counts (told `resumed` at the
//                        switch), before the VF returns (a destination started paused: at the end)
//   plug-primary         destination: FAILOVER_NEGOTIATED, or device_add          (no undo: dest is dropped)
//                        (an emulated primary: once QEMU's own post-migration announcement is over)
//   filter-to-primary    destination host: the VM's MAC → the VF                  undo: filter as found
//   resume-destination   `cont` when the destination was started paused (-S): the point of no return
//   announce-self        destination announces the guest's MAC from the standby   (after the switch)
//
// Until the VM runs on the destination, a failure undoes every step done, newest first. After that there
// is no way back; a failure is reported as FailedAfterSwitch.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/plan.h"
#include "orchestrator/ports.h"
#include "orchestrator/timeline.h"

namespace nf::orchestrator {

struct RunPorts {
    VmmPort& source;
    VmmPort& destination;
    HostFilter* source_filter = nullptr;       // optional: no filter to move on that host
    HostFilter* destination_filter = nullptr;
    Clock& clock;
    HostNetpass* netpass = nullptr;  // optional: host netpass (failover-netpass on both hosts)
};

struct PlannedStep {
    std::string name;
    Side side;
    std::string action;
    std::string undo;
};

class MigrationRun {
public:
    MigrationRun(RunPorts ports, MigrateRequest request);

    // Checks only; Refused with the reason, or Migrated meaning "would go ahead" (pairing set).
    RunResult preflight();
    // preflight, then every step. Call once.
    RunResult run();

    // The steps as planned for this pairing (after a successful preflight), and as text for --dry-run.
    std::vector<PlannedStep> plan() const;
    std::string plan_text() const;

    const Timeline& timeline() const { return timeline_; }

    // Polled in every wait: true aborts the run at that point (SIGINT/SIGTERM); the undos still run.
    std::function<bool()> cancel_requested = [] { return false; };
    // Called with a one-line status after every query-migrate while migrating (a terminal's progress line).
    std::function<void(const std::string&)> progress = [](const std::string&) {};

private:
    struct Undo {
        std::string step;
        Side side;
        std::function<void()> action;
    };

    VmmPort& port(Side side) { return side == Side::Source ? ports_.source : ports_.destination; }
    std::vector<QmpEvent>& seen(Side side) { return side == Side::Source ? seen_source_ : seen_destination_; }

    // --- QMP, recorded in the timeline ---
    QmpReply call(Side side, const std::string& command, const nlohmann::json& arguments = nlohmann::json::object());
    // call() that throws StepFailed(current step) on an error reply.
    nlohmann::json call_ok(Side side, const std::string& command,
                           const nlohmann::json& arguments = nlohmann::json::object());
    // Reads one event (or waits up to `timeout` for one), records it, keeps it in seen().
    void pump(Side side, Millis timeout);
    // The first event from index `from` on that satisfies `match`, waiting up to `bound`.
    std::optional<QmpEvent> await(Side side, const std::function<bool(const QmpEvent&)>& match, Millis bound,
                                  std::size_t from);
    // Lets `span` pass while recording the side's events, a cancel request still honoured.
    void wait_out(Side side, Millis span);
    // The device exists: listed by query-pci, or known to QOM (a destination that never ran firmware has not
    // numbered its root ports' buses, so QEMU's query-pci does not list what sits behind them).
    bool present(Side side, const std::string& id);
    // Polls present() until `id` is (not) there, up to `bound`.
    bool await_pci(Side side, const std::string& id, bool present, Millis bound);
    void check_cancel();
    // Records the events both VMMs have already sent (the timeline's tail), without waiting.
    void drain_events();

    // --- steps ---
    void do_preflight(Pairing& pairing);
    void find_pair(Pairing& pairing, const nlohmann::json& source_pci);
    void do_capabilities();
    void do_standby_link_up();
    void do_filter_to_standby();
    void do_primary_link_down();
    void do_unplug_primary();
    void do_netpass_start();
    void do_migrate();
    void netpass_arm(const std::string& why);
    void netpass_finish(RunResult& result);
    void do_plug_primary();
    void do_filter_to_primary();
    void do_resume_destination();
    void finish_after_switch(RunResult& result);
    void release_source_filter(RunResult& result);  // once, as soon as the VM runs on the destination
    // Reads the destination's run state until it leaves inmigrate; a running guest is the point of no return.
    void settle_destination();
    // Before device_add of a primary QEMU emulates: bounded wait until QEMU's own announcement after the
    // incoming migration is over (it would announce the new NIC too; see the .cpp).
    void await_migration_announce();

    // --- undos ---
    void undo_migrate();
    void replug_on_source();
    void run_undos(RunResult& result);

    void begin(const std::string& name, Side side, nlohmann::json detail = nlohmann::json::object());
    void end(const std::string& status, nlohmann::json detail = nlohmann::json::object());
    void record(const std::string& kind, const std::string& name, const std::string& status, Side side,
                nlohmann::json detail, std::int64_t wall_us = 0);
    void push_undo(Side side, std::function<void()> action);
    void commit();  // the VM runs on the destination: undos are dropped

    RunPorts ports_;
    MigrateRequest request_;
    Timeline timeline_;
    Pairing pairing_;
    bool preflight_done_ = false;
    std::string current_step_;
    Side current_side_ = Side::Host;
    std::vector<QmpEvent> seen_source_;
    std::vector<QmpEvent> seen_destination_;
    std::vector<Undo> undos_;
    bool committed_ = false;
    bool source_filter_released_ = false;
    bool rolling_back_ = false;  // a cancel request no longer interrupts: the undos must finish
    bool destination_paused_ = false;
    // When we saw the destination leave inmigrate (its load complete): QEMU's announcement started before.
    std::optional<std::chrono::steady_clock::time_point> destination_loaded_;
    nlohmann::json last_query_migrate_ = nlohmann::json::object();
    bool netpass_started_ = false;
    bool netpass_armed_ = false;
    bool netpass_resumed_ = false;
    std::vector<std::string> netpass_warnings_;
    nlohmann::json netpass_result_;
};

}  // namespace nf::orchestrator
