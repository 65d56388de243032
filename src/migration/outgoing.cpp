#include "migration/outgoing.h"

#include "migration/config_section.h"
#include "migration/device_section.h"
#include "migration/stream_format.h"

namespace nf::migration {

using nlohmann::json;

std::string_view to_string(Ending ending) {
    switch (ending) {
    case Ending::None: return "none";
    case Ending::Completed: return "completed";
    case Ending::Cancelled: return "cancelled";
    case Ending::CancelledUnplugTimeout: return "cancelled-unplug-timeout";
    case Ending::WaitUnplugTimeout: return "wait-unplug-timeout";
    case Ending::StreamError: return "stream-error";
    case Ending::DestinationError: return "destination-error";
    case Ending::VmStartedTimeout: return "vm-started-timeout";
    }
    return "none";
}

std::string_view to_string(UnplugResult result) {
    switch (result) {
    case UnplugResult::NotNeeded: return "not-needed";
    case UnplugResult::Pending: return "pending";
    case UnplugResult::Ejected: return "ejected";
    case UnplugResult::SurpriseRemoval: return "surprise-removal";
    case UnplugResult::TimedOut: return "timed-out";
    case UnplugResult::Abandoned: return "abandoned";
    }
    return "not-needed";
}

std::string_view to_string(SourceGuest guest) {
    switch (guest) {
    case SourceGuest::Running: return "running";
    case SourceGuest::Stopped: return "stopped";
    case SourceGuest::Resumed: return "resumed";
    case SourceGuest::LeftPaused: return "left-paused";
    case SourceGuest::Handed: return "handed-to-destination";
    }
    return "running";
}

namespace {
std::string joined(const std::vector<std::string>& ids) {
    std::string out;
    for (const auto& id : ids) out += (out.empty() ? "'" : ", '") + id + "'";
    return out;
}
}  // namespace

void OutgoingMigration::reset() {
    status_ = Status::None;
    ending_ = pending_ending_ = Ending::None;
    unplug_ = UnplugResult::NotNeeded;
    guest_ = SourceGuest::Running;
    start_.reset(); setup_done_.reset(); end_.reset(); unplug_start_.reset(); unplug_end_.reset();
    downtime_ = DowntimeClock{};
    return_path_ = ReturnPathDecoder{};
    main_part_sent_ = dest_vm_started_ = dest_refused_ = capture_started_ = netpass_sent_ = false;
    vm_was_running_ = waiting_eject_ = false;
    armed_.reset();
    error_.clear();
}

void OutgoingMigration::set_status(Status status, Outcome& out) {
    status_ = status;
    if (caps_.events) out.events.push_back({"MIGRATION", {{"status", to_string(status)}}});
}

Outcome OutgoingMigration::start(const Settings& settings, Time now) {
    Outcome out;
    if (is_running(status_)) {
        out.reply = device::generic_error(std::string(kMigrationInProgress));
        return out;
    }
    if (auto error = settings.check(settings.capabilities())) {
        out.reply = device::generic_error(*error);
        return out;
    }
    reset();
    caps_ = settings.capabilities();
    params_ = settings.parameters();
    send_vm_started_ = settings.send_vm_started();
    start_ = now;
    out.reply = json::object();
    set_status(Status::Setup, out);
    // The setup notifier: unplug requests (UNPLUG_PRIMARY) come before the setup sections' first pass.
    out.absorb(machine_.migration_source_setup());
    Bytes head = encode_stream_header();
    put_bytes(head, encode_section(SectionType::Config, encode_config(caps_)));
    out.actions.push_back(WriteStream{std::move(head)});
    if (caps_.events) out.events.push_back({"MIGRATION_PASS", {{"pass", 1}}});
    after_setup(now, out);
    return out;
}

void OutgoingMigration::after_setup(Time now, Outcome& out) {
    if (!machine_.unplug_pending()) {
        enter_active(now, out);
        return;
    }
    unplug_ = UnplugResult::Pending;
    unplug_start_ = now;
    set_status(Status::WaitUnplug, out);
    armed_ = Timer::WaitUnplug;
    out.actions.push_back(ArmTimer{Timer::WaitUnplug, params_.wait_unplug_timeout});
}

void OutgoingMigration::enter_active(Time now, Outcome& out) {
    setup_done_ = now;  // QEMU's setup-time includes the wait for the unplug
    set_status(Status::Active, out);
    if (params_.active_time.count() > 0) {
        armed_ = Timer::ActiveTime;
        out.actions.push_back(ArmTimer{Timer::ActiveTime, params_.active_time});
        return;
    }
    switchover(now, out);
}

void OutgoingMigration::switchover(Time now, Outcome& out) {
    armed_.reset();
    vm_was_running_ = machine_.run_state() == device::RunState::Running;
    downtime_.start(now);  // just before the guest stops (spec §5.4)
    out.absorb(machine_.stop());
    guest_ = SourceGuest::Stopped;
    if (caps_.netpass) {
        // From the pause on, frames reaching the source are kept for the destination.
        capture_started_ = true;
        out.actions.push_back(NetpassStartCapture{});
    }
    set_status(Status::Device, out);
    if (caps_.events) out.events.push_back({"MIGRATION_PASS", {{"pass", 2}}});
    Bytes main;
    for (const auto& record : machine_.save_device_records())
        put_bytes(main, encode_section(SectionType::Device, encode_device_section(record)));
    put_bytes(main, encode_eof());
    out.actions.push_back(WriteStream{std::move(main)});
}

Outcome OutgoingMigration::main_part_sent(Time now) {
    Outcome out;
    if (status_ != Status::Device || main_part_sent_) return out;
    main_part_sent_ = true;
    if (!caps_.return_path) {
        complete(now, out);
        return out;
    }
    // VM_STARTED (or, from a destination that does not send it, SHUT) must come within the bound.
    armed_ = Timer::VmStarted;
    out.actions.push_back(ArmTimer{Timer::VmStarted, params_.vm_started_timeout});
    return out;
}

Outcome OutgoingMigration::return_path_bytes(ByteView bytes, Time now) {
    Outcome out;
    while (!bytes.empty() && !return_path_.failed()) {
        auto step = return_path_.next(bytes);
        bytes = bytes.subspan(step.consumed);
        if (step.kind == ReturnPathDecoder::Step::Kind::Message) on_return_path(*step.message, now, out);
        else if (step.kind == ReturnPathDecoder::Step::Kind::Error) {
            if (is_running(status_) && status_ != Status::Cancelling && status_ != Status::Failing)
                abort(Ending::DestinationError, "return path: " + step.error, false, now, out);
            else
                out.warnings.push_back("return path: " + step.error);
        } else {
            break;
        }
    }
    return out;
}

void OutgoingMigration::on_return_path(const ReturnPathMessage& message, Time now, Outcome& out) {
    switch (message.type) {
    case ReturnPathType::Pong: return;  // we send no PING; harmless
    case ReturnPathType::VmStarted:
        if (!is_running(status_)) return;
        dest_vm_started_ = true;
        main_part_sent_ = true;  // the destination has it all
        downtime_.end(now, DowntimeEnd::VmStarted);
        if (status_ != Status::Device) return;
        if (caps_.netpass && !netpass_sent_) {
            netpass_sent_ = true;
            out.actions.push_back(NetpassSend{});
        }
        // Now the destination's SHUT, within the same bound.
        armed_ = Timer::VmStarted;
        out.actions.push_back(ArmTimer{Timer::VmStarted, params_.vm_started_timeout});
        return;
    case ReturnPathType::Shut:
        if (!is_running(status_) || status_ == Status::Cancelling || status_ == Status::Failing) return;
        if (message.value != 0 || status_ != Status::Device) {
            // An error SHUT with no VM_STARTED before it (the channel is ordered) means the destination's load
            // failed and its guest never ran: the source may resume its own.
            if (!dest_vm_started_) dest_refused_ = true;
            abort(Ending::DestinationError,
                  message.value != 0 ? "destination failed to load the migration (return-path SHUT " +
                                           std::to_string(message.value) + ")"
                                     : std::string("destination ended the migration before the switchover"),
                  true, now, out);
            return;
        }
        if (caps_.netpass && !netpass_sent_)
            out.warnings.push_back("migration: destination ended without VM_STARTED; netpass frames not sent");
        complete(now, out);
        return;
    }
}

Outcome OutgoingMigration::return_path_closed(Time now) {
    Outcome out;
    if (caps_.return_path && is_running(status_) && status_ != Status::Cancelling && status_ != Status::Failing)
        abort(Ending::DestinationError, "return path closed by the destination before SHUT", true, now, out);
    return out;
}

Outcome OutgoingMigration::stream_failed(const std::string& why, Time now) {
    Outcome out;
    if (!is_running(status_) || status_ == Status::Cancelling || status_ == Status::Failing) return out;
    abort(Ending::StreamError, "migration stream: " + why, true, now, out);
    return out;
}

Outcome OutgoingMigration::cancel(Time now) {
    Outcome out;
    out.reply = json::object();
    if (!is_running(status_) || status_ == Status::Cancelling || status_ == Status::Failing) return out;
    abort(Ending::Cancelled, "", true, now, out);
    return out;
}

Outcome OutgoingMigration::device_changed(Time now) {
    Outcome out;
    if (machine_.unplug_pending()) return out;
    if (status_ == Status::WaitUnplug) {
        unplug_ = UnplugResult::Ejected;
        unplug_end_ = now;
        armed_.reset();
        out.actions.push_back(CancelTimer{Timer::WaitUnplug});
        enter_active(now, out);
    } else if (waiting_eject_) {
        unplug_ = UnplugResult::Ejected;
        unplug_end_ = now;
        finish_abort(now, out);
    }
    return out;
}

Outcome OutgoingMigration::timer_expired(Timer timer, Time now) {
    Outcome out;
    if (armed_ != timer) return out;  // a stale expiry (the wait already ended): nothing to do
    armed_.reset();
    switch (timer) {
    case Timer::WaitUnplug: wait_unplug_expired(now, out); break;
    case Timer::CancelUnplug:
        unplug_ = UnplugResult::Abandoned;
        unplug_end_ = now;
        out.warnings.push_back("migration: partially unplugged device on failure");
        finish_abort(now, out);
        break;
    case Timer::ActiveTime: switchover(now, out); break;
    case Timer::VmStarted:
        abort(Ending::VmStartedTimeout,
              dest_vm_started_ ? "no SHUT from the destination within " + std::to_string(params_.vm_started_timeout.count()) +
                                     " ms after VM_STARTED (x-vm-started-timeout)"
                               : "destination did not report VM_STARTED within " +
                                     std::to_string(params_.vm_started_timeout.count()) + " ms (x-vm-started-timeout)",
              false, now, out);
        break;
    case Timer::IncomingStall: break;
    }
    return out;
}

void OutgoingMigration::wait_unplug_expired(Time now, Outcome& out) {
    unplug_end_ = now;
    const std::string pending = joined(machine_.pending_unplugs());
    const std::string bound = std::to_string(params_.wait_unplug_timeout.count()) + " ms (x-wait-unplug-timeout)";
    if (params_.wait_unplug_policy == WaitUnplugPolicy::SurpriseRemoval) {
        unplug_ = UnplugResult::SurpriseRemoval;
        out.warnings.push_back("migration: guest did not eject " + pending + " within " + bound +
                               "; removing it by surprise (x-wait-unplug-policy=surprise-removal)");
        out.absorb(machine_.migration_force_unplug());
        enter_active(now, out);
        return;
    }
    unplug_ = UnplugResult::TimedOut;
    // The guest is not ejecting; withdrawing the request at once leaves the VF with the guest.
    abort(Ending::WaitUnplugTimeout,
          "guest did not eject primary " + pending + " within " + bound + "; the primary stays with the guest",
          false, now, out);
}

void OutgoingMigration::complete(Time now, Outcome& out) {
    cancel_timers(out);
    end_ = now;
    downtime_.end(now, DowntimeEnd::Completion);  // no-op when VM_STARTED already ended it
    guest_ = SourceGuest::Handed;
    out.absorb(machine_.migration_source_completed());
    if (caps_.netpass) out.actions.push_back(NetpassEnd{});
    out.actions.push_back(CloseStream{});
    ending_ = Ending::Completed;
    set_status(Status::Completed, out);
}

void OutgoingMigration::cancel_timers(Outcome& out) {
    if (armed_) out.actions.push_back(CancelTimer{*armed_});
    armed_.reset();
}

void OutgoingMigration::abort(Ending ending, std::string why, bool wait_for_eject, Time now, Outcome& out) {
    const Status before = status_;
    pending_ending_ = ending;
    if (!why.empty()) error_ = std::move(why);
    cancel_timers(out);
    const bool cancelling = ending == Ending::Cancelled;
    if (cancelling) set_status(Status::Cancelling, out);
    // An eject in flight must end before the primary can be plugged back ("we must wait the end to be
    // able to plug back the card", QEMU); ours waits x-cancel-unplug-timeout at most.
    if (wait_for_eject && before == Status::WaitUnplug && machine_.unplug_pending()) {
        if (!cancelling) set_status(Status::Failing, out);
        waiting_eject_ = true;
        armed_ = Timer::CancelUnplug;
        out.actions.push_back(ArmTimer{Timer::CancelUnplug, params_.cancel_unplug_timeout});
        return;
    }
    finish_abort(now, out);
}

void OutgoingMigration::finish_abort(Time now, Outcome& out) {
    if (waiting_eject_ && armed_ == Timer::CancelUnplug) cancel_timers(out);
    waiting_eject_ = false;
    end_ = now;
    // QEMU's order: a failure is announced before the re-plug and the restart; a cancel after them.
    const bool cancelled = pending_ending_ == Ending::Cancelled;
    if (!cancelled) {
        ending_ = pending_ending_;
        set_status(Status::Failed, out);
    }
    out.actions.push_back(CloseStream{});
    if (dest_may_have_started()) {
        // QEMU's dest_vm_started rule, made conservative: once the destination may run the guest, the source
        // neither resumes it nor re-plugs its primaries. Two running copies would be worse than none.
        if (guest_ == SourceGuest::Stopped) guest_ = SourceGuest::LeftPaused;
        out.warnings.push_back(std::string("migration: source guest not resumed, primaries not re-plugged: the "
                                           "destination ") + (dest_vm_started_ ? "started" : "may have started") +
                               " the guest");
        out.absorb(machine_.migration_source_completed());
        if (caps_.netpass) out.actions.push_back(NetpassEnd{});
    } else {
        out.absorb(machine_.migration_source_failed());
        if (guest_ == SourceGuest::Stopped) {
            if (vm_was_running_) {
                device::Outcome resumed = machine_.cont();
                resumed.reply.reset();
                out.absorb(std::move(resumed));
                guest_ = SourceGuest::Resumed;
            }
            // The frames that reached the paused source are the guest's: hand them over, oldest first.
            if (capture_started_) out.actions.push_back(NetpassReturnToGuest{});
        }
        if (caps_.netpass) out.actions.push_back(NetpassEnd{});
    }
    if (cancelled) {
        ending_ = unplug_ == UnplugResult::Abandoned ? Ending::CancelledUnplugTimeout : Ending::Cancelled;
        set_status(Status::Cancelled, out);
    }
}

json OutgoingMigration::query(Time now, const NetpassCounters& netpass) const {
    json info = json::object();
    if (status_ == Status::None) return info;
    info["status"] = to_string(status_);
    const auto elapsed = [&](Time from) { return to_ms((end_ ? *end_ : now) - from); };
    switch (status_) {
    case Status::Active:
    case Status::Device:
    case Status::Cancelling:
    case Status::Failing:
        info["total-time"] = elapsed(*start_);
        if (setup_done_) info["setup-time"] = to_ms(*setup_done_ - *start_);
        break;
    case Status::Completed:
        info["total-time"] = elapsed(*start_);
        if (setup_done_) info["setup-time"] = to_ms(*setup_done_ - *start_);
        if (auto d = downtime_.downtime()) info["downtime"] = d->count();
        break;
    case Status::Failed: info["error-desc"] = error_; break;
    default: break;  // setup, wait-unplug, cancelled: status only, as QEMU
    }
    json unplug{{"result", to_string(unplug_)}};
    if (unplug_start_) unplug["time"] = to_ms((unplug_end_ ? *unplug_end_ : now) - *unplug_start_);
    json ours{
        {"outcome", to_string(ending_)},
        {"source-guest", to_string(guest_)},
        {"dest-vm-started", dest_vm_started_},
        {"total-time", start_ ? elapsed(*start_) : 0},
        {"wait-unplug", unplug},
        {"netpass", {{"enabled", caps_.netpass}, {"kept", netpass.kept}, {"dropped", netpass.dropped},
                     {"sent", netpass.sent}, {"returned", netpass.returned}}},
    };
    if (auto d = downtime_.downtime()) {
        ours["downtime"] = d->count();
        ours["downtime-end"] = to_string(*downtime_.ended_by());
    }
    if (!error_.empty()) ours["error"] = error_;
    info["x-netfailover"] = std::move(ours);
    return info;
}

}  // namespace nf::migration
