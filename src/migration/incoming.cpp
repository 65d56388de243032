#include "migration/incoming.h"

#include "migration/config_section.h"
#include "migration/device_section.h"
#include "migration/netpass_records.h"
#include "migration/return_path.h"

namespace nf::migration {

using nlohmann::json;

namespace {
constexpr std::string_view kNetpassIgnored = "Error while loading netpass data, this error will be ignored";
}

void IncomingMigration::set_status(Status status, Outcome& out) {
    status_ = status;
    if (caps_.events) out.events.push_back({"MIGRATION", {{"status", to_string(status)}}});
}

Outcome IncomingMigration::start(const Settings& settings, Time now, bool autostart) {
    Outcome out;
    if (status_ != Status::None) {
        out.reply = device::generic_error("The incoming migration has already been started");
        return out;
    }
    if (auto error = settings.check(settings.capabilities())) {
        out.reply = device::generic_error(*error);
        return out;
    }
    caps_ = settings.capabilities();
    params_ = settings.parameters();
    send_vm_started_ = settings.send_vm_started();
    autostart_ = autostart;
    start_ = now;
    out.reply = json::object();
    machine_.migration_incoming_begin();
    set_status(Status::Setup, out);
    return out;
}

Outcome IncomingMigration::stream_connected(Time) {
    Outcome out;
    if (status_ != Status::Setup) return out;
    set_status(Status::Active, out);
    out.actions.push_back(ArmTimer{Timer::IncomingStall, params_.incoming_stall_timeout});
    return out;
}

Outcome IncomingMigration::stream_bytes(ByteView bytes, Time now) {
    Outcome out;
    if (status_ == Status::Setup) out = stream_connected(now);
    if (status_ != Status::Active) return out;
    out.actions.push_back(ArmTimer{Timer::IncomingStall, params_.incoming_stall_timeout});  // re-armed: data flows
    while (status_ == Status::Active) {
        auto step = reader_.next(bytes);
        bytes = bytes.subspan(step.consumed);
        if (step.kind == StreamReader::Step::Kind::Section) {
            on_section(std::move(*step.section), now, out);
            continue;
        }
        if (step.kind == StreamReader::Step::Kind::Error) {
            if (main_loaded_) finish_tail(std::string(kNetpassIgnored) + ": " + step.error, now, out);
            else fail("migration stream: " + step.error, now, out);
        }
        break;
    }
    return out;
}

void IncomingMigration::on_section(Section section, Time now, Outcome& out) {
    switch (section.type) {
    case SectionType::Config: {
        auto received = decode_config(section.payload);
        if (auto* error = std::get_if<std::string>(&received)) return fail(*error, now, out);
        if (auto mismatch = check_config(caps_, std::get<Capabilities>(received))) return fail(*mismatch, now, out);
        config_seen_ = true;
        return;
    }
    case SectionType::Device: {
        auto record = decode_device_section(section.payload);
        if (auto* error = std::get_if<std::string>(&record)) return fail(*error, now, out);
        device::Outcome loaded = machine_.restore_device_record(std::get<device::DeviceRecord>(record));
        if (const auto* error = loaded.error()) return fail(error->desc, now, out);
        out.absorb(std::move(loaded));
        return;
    }
    case SectionType::Netpass: {
        // Bounded by the x-netpass limits across all tail sections; a bad record costs the rest of its
        // section, never the migration (scenario 36).
        const std::size_t max_frames = params_.netpass_max_frames - std::min(params_.netpass_max_frames, tail_frames_.size());
        const std::size_t max_bytes = params_.netpass_max_bytes - std::min(params_.netpass_max_bytes, tail_bytes_);
        DecodedNetpass decoded = decode_records(section.payload, {max_frames, max_bytes});
        for (auto& frame : decoded.frames) {
            tail_bytes_ += frame.bytes.size();
            tail_frames_.push_back(std::move(frame));
        }
        if (!decoded.error.empty()) {
            ++tail_dropped_;
            out.warnings.push_back(std::string(kNetpassIgnored) + ": " + decoded.error);
        }
        return;
    }
    case SectionType::Eof:
        if (reader_.eofs_seen() == 1) main_loaded(now, out);
        else finish_tail("", now, out);
        return;
    }
}

void IncomingMigration::main_loaded(Time now, Outcome& out) {
    main_loaded_ = true;
    // Hold the destination's own frames before the guest can see any: the cached ones go first.
    if (caps_.netpass) out.actions.push_back(NetpassHold{});
    out.absorb(machine_.migration_incoming_finish(autostart_));
    guest_started_ = autostart_;
    out.actions.push_back(Announce{});
    // Sent when the guest started or could be started (autostart off), as the series does.
    if (caps_.return_path && send_vm_started_) out.actions.push_back(WriteReturnPath{encode_vm_started()});
    if (!caps_.netpass) complete(now, out);
    // else: the tail (netpass sections, EOF) follows within x-incoming-stall-timeout.
}

void IncomingMigration::finish_tail(std::string warning, Time now, Outcome& out) {
    if (!warning.empty()) out.warnings.push_back(std::move(warning));
    if (tail_frames_.empty()) out.actions.push_back(NetpassRelease{});
    else out.actions.push_back(NetpassInject{std::move(tail_frames_)});
    tail_frames_.clear();
    tail_bytes_ = 0;
    complete(now, out);
}

void IncomingMigration::complete(Time now, Outcome& out) {
    end_ = now;
    out.actions.push_back(CancelTimer{Timer::IncomingStall});
    set_status(Status::Completed, out);
    // Incoming cleanup: SHUT(0) ends the source's wait, the stream closes, netpass is torn down.
    if (caps_.return_path) out.actions.push_back(WriteReturnPath{encode_shut(0)});
    out.actions.push_back(CloseStream{});
    if (caps_.netpass) out.actions.push_back(NetpassEnd{});
}

void IncomingMigration::fail(std::string why, Time now, Outcome& out) {
    if (is_final(status_)) return;
    end_ = now;
    error_ = std::move(why);
    out.warnings.push_back("load of migration failed: " + error_);
    out.actions.push_back(CancelTimer{Timer::IncomingStall});
    set_status(Status::Failed, out);
    // The guest was never started here; SHUT(1) tells the source, which resumes its own.
    if (caps_.return_path) out.actions.push_back(WriteReturnPath{encode_shut(1)});
    out.actions.push_back(CloseStream{});
    if (caps_.netpass) out.actions.push_back(NetpassEnd{});
}

Outcome IncomingMigration::stream_closed(Time now) {
    Outcome out;
    if (status_ == Status::Setup) {
        fail("migration stream closed before any data", now, out);
    } else if (status_ == Status::Active) {
        if (main_loaded_) finish_tail(std::string(kNetpassIgnored) + ": stream closed before the netpass EOF", now, out);
        else fail("migration stream: " + reader_.finish().value_or("stream closed before the main part's EOF"), now, out);
    }
    return out;
}

Outcome IncomingMigration::timer_expired(Timer timer, Time now) {
    Outcome out;
    if (timer != Timer::IncomingStall || status_ != Status::Active) return out;
    const std::string bound = std::to_string(params_.incoming_stall_timeout.count()) + " ms (x-incoming-stall-timeout)";
    if (main_loaded_) finish_tail(std::string(kNetpassIgnored) + ": no netpass data within " + bound, now, out);
    else fail("migration stream stalled: no data for " + bound, now, out);
    return out;
}

json IncomingMigration::query(Time now, const NetpassCounters& netpass) const {
    json info = json::object();
    if (status_ == Status::None) return info;
    info["status"] = to_string(status_);
    if (status_ == Status::Failed) info["error-desc"] = error_;
    json ours{
        {"role", "destination"},
        {"total-time", start_ ? to_ms((end_ ? *end_ : now) - *start_) : 0},
        {"guest-started", guest_started_},
        {"netpass", {{"enabled", caps_.netpass}, {"injected", netpass.injected}, {"held", netpass.held},
                     {"dropped", netpass.dropped}, {"bad-sections", tail_dropped_}}},
    };
    if (!error_.empty()) ours["error"] = error_;
    info["x-netfailover"] = std::move(ours);
    return info;
}

}  // namespace nf::migration
