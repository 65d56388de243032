#include "orchestrator/migration_run.h"

#include <algorithm>
#include <stdexcept>

#include "orchestrator/qmp_facts.h"

namespace nf::orchestrator {

using nlohmann::json;

namespace {

// A step could not be done; `step` names it for the user (it may differ from the step running: QEMU's
// wait-unplug happens inside `migrate`, but its timeout is the unplug's failure).
class StepFailed : public std::runtime_error {
public:
    StepFailed(std::string step, const std::string& why) : std::runtime_error(why), step_(std::move(step)) {}
    const std::string& step() const { return step_; }

private:
    std::string step_;
};

std::string ms(Millis m) { return std::to_string(m.count()) + " ms"; }

bool read_only(const std::string& command) { return command.starts_with("query-") || command == "qom-get"; }

}  // namespace

int exit_code(RunStatus status) {
    switch (status) {
        case RunStatus::Migrated: return 0;
        case RunStatus::RolledBack: return 1;
        case RunStatus::Refused: return 3;
        case RunStatus::RollbackIncomplete: return 4;
        case RunStatus::FailedAfterSwitch: return 5;
    }
    return 1;
}

const char* to_string(RunStatus status) {
    switch (status) {
        case RunStatus::Migrated: return "migrated";
        case RunStatus::Refused: return "refused";
        case RunStatus::RolledBack: return "rolled-back";
        case RunStatus::RollbackIncomplete: return "rollback-incomplete";
        case RunStatus::FailedAfterSwitch: return "failed-after-switch";
    }
    return "?";
}

const char* to_string(NetpassMode mode) {
    switch (mode) {
        case NetpassMode::Off: return "off";
        case NetpassMode::Host: return "host";
        case NetpassMode::Vmm: return "vmm";
        case NetpassMode::Auto: return "auto";
    }
    return "?";
}

std::optional<NetpassMode> parse_netpass_mode(const std::string& text) {
    for (auto m : {NetpassMode::Off, NetpassMode::Host, NetpassMode::Vmm, NetpassMode::Auto})
        if (text == to_string(m)) return m;
    return std::nullopt;
}

MigrationRun::MigrationRun(RunPorts ports, MigrateRequest request)
    : ports_(ports), request_(std::move(request)), timeline_(ports.clock.wall_us()) {}

// ---------------------------------------------------------------------------------------------- recording

void MigrationRun::record(const std::string& kind, const std::string& name, const std::string& status, Side side,
                          json detail, std::int64_t wall_us) {
    timeline_.add({wall_us ? wall_us : ports_.clock.wall_us(), kind, name, status, side, std::move(detail)});
}

void MigrationRun::begin(const std::string& name, Side side, json detail) {
    current_step_ = name;
    current_side_ = side;
    record("step", name, "begin", side, std::move(detail));
}

void MigrationRun::end(const std::string& status, json detail) {
    record("step", current_step_, status, current_side_, std::move(detail));
}

void MigrationRun::push_undo(Side side, std::function<void()> action) {
    undos_.push_back({current_step_, side, std::move(action)});
}

void MigrationRun::commit() {
    committed_ = true;
    undos_.clear();
    record("note", "switched", "", Side::Destination, {{"detail", "the VM runs on the destination: no way back"}});
    if (netpass_started_ && !netpass_resumed_) {
        netpass_arm("the switch (STOP not seen)");
        netpass_resumed_ = true;
        try {
            ports_.netpass->resumed();
            record("note", "netpass-resumed", "", Side::Host, {{"detail", "inject on the destination, forward"}});
        } catch (const std::exception& e) {
            netpass_warnings_.push_back(std::string("netpass resumed: ") + e.what());
        }
    }
}

// ---------------------------------------------------------------------------------------------- host netpass

void MigrationRun::do_netpass_start() {
    if (pairing_.netpass != NetpassMode::Host) return;
    begin(step::kNetpassStart, Side::Host, {{"netpass", ports_.netpass->describe()}});
    push_undo(Side::Host, [this] {
        netpass_started_ = false;
        netpass_result_ = ports_.netpass->abort();
        record("note", "netpass-aborted", "", Side::Host, netpass_result_);
    });
    ports_.netpass->start();
    netpass_started_ = true;
    end("ok");
}

void MigrationRun::netpass_arm(const std::string& why) {
    if (!netpass_started_ || netpass_armed_) return;
    netpass_armed_ = true;
    try {
        ports_.netpass->arm();
        record("note", "netpass-armed", "", Side::Host, {{"on", why}});
    } catch (const std::exception& e) {
        netpass_warnings_.push_back(std::string("netpass arm: ") + e.what());
    }
}

void MigrationRun::netpass_finish(RunResult& result) {
    if (netpass_started_) {
        begin(step::kNetpassFinish, Side::Host);
        try {
            netpass_result_ = ports_.netpass->finish(request_.netpass_finish);
            end("ok", netpass_result_);
        } catch (const std::exception& e) {
            netpass_warnings_.push_back(std::string("netpass finish: ") + e.what());
            netpass_result_ = ports_.netpass->abort();
            end("failed", {{"error", e.what()}});
        }
        netpass_started_ = false;
    }
    result.netpass = netpass_result_;
    result.warnings.insert(result.warnings.end(), netpass_warnings_.begin(), netpass_warnings_.end());
    netpass_warnings_.clear();
}

// ---------------------------------------------------------------------------------------------- QMP

QmpReply MigrationRun::call(Side side, const std::string& command, const json& arguments) {
    const std::int64_t sent_us = ports_.clock.wall_us();  // a command is placed when sent, not when answered
    QmpReply reply = port(side).execute(command, arguments);
    if (!read_only(command)) {
        json detail{{"arguments", arguments},
                    {"reply_ms", static_cast<double>(ports_.clock.wall_us() - sent_us) / 1000.0}};
        if (!reply.ok) detail["error"] = reply.error_class + ": " + reply.desc;
        record("command", command, reply.ok ? "ok" : "failed", side, std::move(detail), sent_us);
    }
    return reply;
}

json MigrationRun::call_ok(Side side, const std::string& command, const json& arguments) {
    QmpReply reply = call(side, command, arguments);
    if (!reply.ok)
        throw StepFailed(current_step_, std::string(to_string(side)) + " " + command + ": " + reply.error_class +
                                            ": " + reply.desc);
    return reply.value;
}

void MigrationRun::pump(Side side, Millis timeout) {
    auto event = port(side).next_event(timeout);
    if (!event) return;
    record("event", event->name, "", side, event->data, event->wall_us);
    seen(side).push_back(std::move(*event));
}

void MigrationRun::drain_events() {
    for (Side side : {Side::Source, Side::Destination}) {
        const std::size_t before = seen(side).size();
        for (int i = 0; i < 1024; ++i) {  // bounded: a VMM that floods events cannot keep us here
            pump(side, Millis(0));
            if (seen(side).size() == before + static_cast<std::size_t>(i)) break;
        }
    }
}

void MigrationRun::check_cancel() {
    if (!rolling_back_ && cancel_requested()) throw StepFailed(current_step_, "cancelled by the user (signal)");
}

std::optional<QmpEvent> MigrationRun::await(Side side, const std::function<bool(const QmpEvent&)>& match,
                                            Millis bound, std::size_t from) {
    const auto deadline = ports_.clock.now() + bound;
    for (std::size_t i = from;;) {
        for (; i < seen(side).size(); ++i)
            if (match(seen(side)[i])) return seen(side)[i];
        check_cancel();
        // Rounded up: truncated, the last wait would end up to 1 ms before the deadline (a --link-down-settle
        // of 300 once measured 299.987 ms from set_link to device_del).
        const auto left = std::chrono::ceil<Millis>(deadline - ports_.clock.now());
        if (left.count() <= 0) return std::nullopt;
        pump(side, std::min(left, request_.bounds.poll));
    }
}

void MigrationRun::wait_out(Side side, Millis span) {
    (void)await(side, [](const QmpEvent&) { return false; }, span, seen(side).size());
}

bool MigrationRun::present(Side side, const std::string& id) {
    if (QmpReply reply = call(side, "query-pci"); reply.ok && pci_has(reply.value, id)) return true;
    return call(side, "qom-get", {{"path", qom_path(id)}, {"property", "type"}}).ok;
}

bool MigrationRun::await_pci(Side side, const std::string& id, bool want, Millis bound) {
    const auto deadline = ports_.clock.now() + bound;
    for (;;) {
        if (present(side, id) == want) return true;
        check_cancel();
        const auto left = std::chrono::ceil<Millis>(deadline - ports_.clock.now());  // as in await()
        if (left.count() <= 0) return false;
        pump(side, std::min(left, request_.bounds.poll));
    }
}

// ---------------------------------------------------------------------------------------------- preflight

RunResult MigrationRun::preflight() {
    RunResult result;
    if (preflight_done_) {
        result.pairing = pairing_;
        return result;
    }
    begin(step::kPreflight, Side::Host);
    try {
        do_preflight(pairing_);
    } catch (const std::exception& e) {
        end("failed", {{"error", e.what()}});
        result.status = RunStatus::Refused;
        result.failed_step = step::kPreflight;
        result.error = e.what();
        return result;
    }
    end("ok", {{"standby", pairing_.standby},
               {"primary", pairing_.primary},
               {"failover", pairing_.failover},
               {"primary-on-source", pairing_.primary_on_source},
               {"mac", pairing_.mac},
               {"capabilities-source", pairing_.enable_on_source},
               {"capabilities-destination", pairing_.enable_on_destination},
               {"netpass", to_string(pairing_.netpass)}});
    preflight_done_ = true;
    result.pairing = pairing_;
    return result;
}

void MigrationRun::do_preflight(Pairing& pairing) {
    const auto refuse = [](const std::string& why) { throw std::runtime_error(why); };
    const auto status_of = [&](Side side) {
        QmpReply r = call(side, "query-status");
        if (!r.ok) refuse(std::string(to_string(side)) + " query-status: " + r.error_class + ": " + r.desc);
        return r.value.value("status", std::string("?"));
    };
    if (request_.primary_device) {
        if (auto problem = primary_device_problem(*request_.primary_device); !problem.empty())
            refuse("--primary-device " + problem);
    }
    if (const auto s = status_of(Side::Source); s != "running")
        refuse("the source VM is '" + s + "', not running");
    if (const auto d = status_of(Side::Destination); d != "inmigrate")
        refuse("the destination is '" + d + "', not waiting for an incoming migration (start it with -incoming)");

    QmpReply migrating = call(Side::Source, "query-migrate");
    if (migrating.command_not_found()) refuse("the source VMM cannot migrate (it has no query-migrate)");
    if (!migrating.ok) refuse("source query-migrate: " + migrating.error_class + ": " + migrating.desc);
    if (const auto st = migrating.value.value("status", std::string("none")); migration_running(st))
        refuse("a migration is already running on the source (status '" + st + "')");

    // Capabilities: turn on what helps where both sides offer it; refuse when the stream format would differ.
    std::vector<std::pair<std::string, bool>> caps[2];
    for (Side side : {Side::Source, Side::Destination}) {
        QmpReply r = call(side, "query-migrate-capabilities");
        if (r.command_not_found()) {
            pairing.notes.push_back(std::string(to_string(side)) + " offers no migration capabilities");
            continue;
        }
        if (!r.ok) refuse(std::string(to_string(side)) + " query-migrate-capabilities: " + r.error_class + ": " + r.desc);
        caps[side == Side::Source ? 0 : 1] = capability_states(r.value);
    }
    const auto state = [&](int i, const std::string& name) -> std::optional<bool> {
        for (const auto& [n, on] : caps[i])
            if (n == name) return on;
        return std::nullopt;
    };
    for (const auto& name : kStreamCapabilities) {
        const auto s = state(0, name), d = state(1, name);
        if (s.value_or(false) != d.value_or(false))
            refuse("capability '" + name + "' is " + (s.value_or(false) ? "on" : "off") + " on the source and " +
                   (d.value_or(false) ? "on" : "off") + " on the destination: set it the same on both");
    }
    bool vmm_netpass = false;  // both VMMs offer `netpass` (and the return path it needs)
    for (const auto& name : kWantedCapabilities) {
        const auto s = state(0, name), d = state(1, name);
        if (name == "events") {
            if (s && !*s) pairing.enable_on_source.insert(name);
            if (d && !*d) pairing.enable_on_destination.insert(name);
            continue;
        }
        if (name == "netpass" && (request_.netpass == NetpassMode::Off || request_.netpass == NetpassMode::Host)) {
            // Not the VMMs' netpass, by request: off on both (a VMM that received a VM with netpass on still has
            // it on, and the stream's capabilities must agree).
            if (s.value_or(false)) pairing.disable_on_source.insert(name);
            if (d.value_or(false)) pairing.disable_on_destination.insert(name);
            pairing.notes.push_back("netpass: not turned on (by request)");
            continue;
        }
        if (!s || !d) {
            if (s || d)
                pairing.notes.push_back("'" + name + "' is offered only by the " + (s ? "source" : "destination") +
                                        ": not used");
            continue;
        }
        if (name == "netpass" && !(pairing.enable_on_source.contains("return-path") || state(0, "return-path") == true))
            continue;  // netpass needs the return path (qemu-failover.md §5.6)
        if (name == "netpass") vmm_netpass = true;
        if (!*s) pairing.enable_on_source.insert(name);
        if (!*d) pairing.enable_on_destination.insert(name);
    }

    switch (request_.netpass) {
        case NetpassMode::Off: pairing.netpass = NetpassMode::Off; break;
        case NetpassMode::Vmm:
            if (!vmm_netpass)
                refuse("--netpass vmm: the VMMs do not both offer the 'netpass' capability (with return-path): "
                       "use --netpass host");
            pairing.netpass = NetpassMode::Vmm;
            break;
        case NetpassMode::Host:
            if (!ports_.netpass)
                refuse("--netpass host needs the taps: give --netpass-source-tap and --netpass-destination-tap");
            pairing.netpass = NetpassMode::Host;
            break;
        case NetpassMode::Auto:
            pairing.netpass = vmm_netpass ? NetpassMode::Vmm : ports_.netpass ? NetpassMode::Host : NetpassMode::Off;
            if (!vmm_netpass)
                pairing.notes.push_back(std::string("the VMMs have no netpass capability: ") +
                                        (ports_.netpass ? "host netpass (failover-netpass) instead"
                                                        : "no netpass (give --netpass-source-tap and "
                                                          "--netpass-destination-tap for host netpass)"));
            break;
    }
    if (pairing.netpass == NetpassMode::Vmm && ports_.netpass)
        pairing.notes.push_back("the VMMs pass the frames themselves (netpass capability): host netpass not started");

    QmpReply source_pci = call(Side::Source, "query-pci");
    if (!source_pci.ok) refuse("source query-pci: " + source_pci.error_class + ": " + source_pci.desc);
    find_pair(pairing, source_pci.value);
    if (!present(Side::Destination, pairing.standby))
        refuse("the destination has no device '" + pairing.standby + "' (start it with the source's devices)");

    const auto qom = [&](const std::string& id, const std::string& property) {
        return call(Side::Source, "qom-get", {{"path", qom_path(id)}, {"property", property}});
    };
    if (QmpReply r = qom(pairing.standby, "failover"); r.ok && r.value.is_boolean()) pairing.failover = r.value.get<bool>();
    if (QmpReply r = qom(pairing.standby, "mac"); r.ok && r.value.is_string()) pairing.mac = r.value.get<std::string>();
    if (request_.mac) pairing.mac = *request_.mac;
    pairing.primary_on_source = present(Side::Source, pairing.primary);

    if (request_.primary_device && (*request_.primary_device)["id"] != pairing.primary)
        refuse("--primary-device has id " + (*request_.primary_device)["id"].dump() + ", but the primary is '" +
               pairing.primary + "'");
    if (pairing.failover) {
        if (!pairing.primary_on_source && !request_.primary_device)
            refuse("the primary '" + pairing.primary + "' is not plugged on the source (the guest never acked " +
                   "STANDBY, or the VF was removed): give --primary-device to plug it on the destination");
    } else {
        if (!request_.primary_device)
            refuse("the standby '" + pairing.standby + "' has failover=off, so the destination VMM will not plug '" +
                   pairing.primary + "' itself: give --primary-device (its device_add arguments as JSON)");
        if (present(Side::Destination, pairing.primary))
            refuse("the destination already has '" + pairing.primary + "': with failover=off start it without " +
                   "the primary (the source unplugs it before migrating; device sets must match)");
    }
    if ((ports_.source_filter || ports_.destination_filter) && pairing.mac.empty())
        refuse("the VM's MAC is unknown (the source VMM does not report the standby's mac): give --mac");
    for (auto [filter, where] : {std::pair{ports_.source_filter, "source"}, std::pair{ports_.destination_filter, "destination"}}) {
        if (!filter) continue;
        try {
            filter->check(pairing.mac);
        } catch (const std::exception& e) {
            refuse(std::string(where) + " filter: " + e.what());
        }
    }
}

void MigrationRun::find_pair(Pairing& pairing, const json& source_pci) {
    const auto ids = pci_device_ids(source_pci);
    std::vector<std::pair<std::string, std::string>> pairs;  // primary → standby
    for (const auto& id : ids) {
        QmpReply r = call(Side::Source, "qom-get", {{"path", qom_path(id)}, {"property", "failover_pair_id"}});
        if (r.ok && r.value.is_string() && !r.value.get<std::string>().empty())
            pairs.emplace_back(id, r.value.get<std::string>());
    }
    if (request_.primary_device) {
        const auto& pd = *request_.primary_device;
        const std::string id = pd["id"].get<std::string>();
        const bool known = std::ranges::any_of(pairs, [&](const auto& p) { return p.first == id; });
        if (!known && pd.contains("failover_pair_id") && pd["failover_pair_id"].is_string())
            pairs.emplace_back(id, pd["failover_pair_id"].get<std::string>());
    }
    std::erase_if(pairs, [&](const auto& p) {
        return (request_.primary && p.first != *request_.primary) || (request_.standby && p.second != *request_.standby);
    });
    if (pairs.empty() && request_.primary && request_.standby) pairs.emplace_back(*request_.primary, *request_.standby);
    if (pairs.empty())
        throw std::runtime_error(
            "no failover pair found on the source (no device has a failover_pair_id" +
            std::string(request_.standby || request_.primary ? " matching --standby/--primary" : "") +
            "): name them with --standby and --primary, or give --primary-device with failover_pair_id");
    if (pairs.size() > 1) {
        std::string list;
        for (const auto& [p, s] : pairs) list += (list.empty() ? "" : ", ") + p + " -> " + s;
        throw std::runtime_error("several failover pairs on the source (" + list +
                                 "): choose one with --standby or --primary");
    }
    pairing.primary = pairs.front().first;
    pairing.standby = pairs.front().second;
    if (!present(Side::Source, pairing.standby))
        throw std::runtime_error("the source has no device '" + pairing.standby + "' (the standby of '" +
                                 pairing.primary + "')");
}

// ---------------------------------------------------------------------------------------------- steps

void MigrationRun::do_capabilities() {
    begin(step::kCapabilities, Side::Host);
    if (pairing_.enable_on_source.empty() && pairing_.enable_on_destination.empty() &&
        pairing_.disable_on_source.empty() && pairing_.disable_on_destination.empty()) {
        end("skipped", {{"reason", "nothing to turn on"}});
        return;
    }
    for (Side side : {Side::Source, Side::Destination}) {
        const bool source = side == Side::Source;
        const auto& on = source ? pairing_.enable_on_source : pairing_.enable_on_destination;
        const auto& off = source ? pairing_.disable_on_source : pairing_.disable_on_destination;
        if (on.empty() && off.empty()) continue;
        // The change, or (undo) its reverse: each capability to the other state.
        const auto list = [&](bool forward) {
            json caps = json::array();
            for (const auto& n : off) caps.push_back({{"capability", n}, {"state", !forward}});
            for (const auto& n : on) caps.push_back({{"capability", n}, {"state", forward}});
            return json{{"capabilities", caps}};
        };
        call_ok(side, "migrate-set-capabilities", list(true));
        push_undo(side, [this, side, back = list(false)] { call_ok(side, "migrate-set-capabilities", back); });
    }
    end("ok");
}

void MigrationRun::do_standby_link_up() {
    begin(step::kStandbyLinkUp, Side::Source, {{"standby", pairing_.standby}});
    call_ok(Side::Source, "set_link", {{"name", pairing_.standby}, {"up", true}});
    // No undo: a standby link left up harms nothing, and taking it down could cut the guest off (QMP cannot
    // tell us whether it was down before).
    end("ok");
}

void MigrationRun::do_filter_to_standby() {
    begin(step::kFilterToStandby, Side::Host);
    if (!ports_.source_filter) {
        end("skipped", {{"reason", "no source filter given"}});
        return;
    }
    push_undo(Side::Host, [f = ports_.source_filter] { f->restore(); });  // restore() is exact, also half-done
    ports_.source_filter->to_standby();
    end("ok", {{"filter", ports_.source_filter->describe()}});
}

void MigrationRun::do_primary_link_down() {
    begin(step::kPrimaryLinkDown, Side::Source, {{"primary", pairing_.primary}});
    if (!request_.bounds.link_down_settle) {
        end("skipped", {{"reason", "not requested (--link-down-settle)"}});
        return;
    }
    if (!pairing_.primary_on_source) {
        end("skipped", {{"reason", "the primary is not plugged on the source"}});
        return;
    }
    // An emulated NIC (QEMU's e1000e, igb) is a net client named by its id: set_link drops its carrier as the
    // guest's driver sees it. A passthrough VF (vfio-pci) is not one ("Device '...' not found"); its link is
    // the PF's IFLA_VF_LINK_STATE, which the source filter owns when it is a vf-mac filter.
    std::string by;
    QmpReply r = call(Side::Source, "set_link", {{"name", pairing_.primary}, {"up", false}});
    if (r.ok) {
        by = "set_link";
        push_undo(Side::Source, [this] {
            // A primary plugged back by an undo is a new device, its link up; only one still there needs it.
            if (present(Side::Source, pairing_.primary))
                call_ok(Side::Source, "set_link", {{"name", pairing_.primary}, {"up", true}});
        });
    } else if (ports_.source_filter) {
        push_undo(Side::Host, [f = ports_.source_filter] { f->link_restore(); });
        if (ports_.source_filter->link_down()) by = "vf-link-state";
        else undos_.pop_back();
    }
    if (by.empty()) {
        // Not a failure: the guest still moves to the standby, only later (at its driver's teardown).
        end("skipped", {{"reason", "set_link " + pairing_.primary + ": " + r.error_class + ": " + r.desc +
                                       (ports_.source_filter ? "; the source filter has no VF link state"
                                                             : "; no source filter with a VF link state")}});
        return;
    }
    // The guest needs a moment to see the carrier loss and switch (driver interrupt → netlink → failoverd or
    // net_failover); until then its frames still go to the VF, which still exists and passes them.
    wait_out(Side::Source, *request_.bounds.link_down_settle);
    end("ok", {{"by", by}, {"settle_ms", request_.bounds.link_down_settle->count()}});
}

void MigrationRun::do_unplug_primary() {
    begin(step::kUnplugPrimary, Side::Source, {{"primary", pairing_.primary}});
    if (!pairing_.primary_on_source) {
        end("skipped", {{"reason", "the primary is not plugged on the source"}});
        return;
    }
    if (pairing_.failover) {
        end("skipped", {{"reason", "failover=on: the VMM unplugs the primary when the migration starts (wait-unplug)"}});
        return;
    }
    const auto start = ports_.clock.now();
    const std::size_t mark = seen(Side::Source).size();
    call_ok(Side::Source, "device_del", {{"id", pairing_.primary}});
    push_undo(Side::Source, [this] { replug_on_source(); });
    const auto deleted = await(
        Side::Source,
        [&](const QmpEvent& e) {
            return e.name == "DEVICE_DELETED" && (e.data.value("device", std::string()) == pairing_.primary ||
                                                  e.data.value("path", std::string()) == qom_path(pairing_.primary));
        },
        request_.bounds.unplug, mark);
    if (!deleted)
        throw StepFailed(step::kUnplugPrimary, "no DEVICE_DELETED for '" + pairing_.primary + "' within " +
                                                   ms(request_.bounds.unplug) + ": the guest did not release the VF");
    end("ok", {{"ms", std::chrono::duration_cast<Millis>(ports_.clock.now() - start).count()}});
}

void MigrationRun::do_migrate() {
    begin(step::kMigrate, Side::Source, {{"uri", request_.uri}});
    std::size_t mark = seen(Side::Source).size();
    call_ok(Side::Source, "migrate", {{"uri", request_.uri}});
    push_undo(Side::Source, [this] { undo_migrate(); });
    const auto start = ports_.clock.now();
    auto next_poll = start;
    std::optional<std::chrono::steady_clock::time_point> unplug_since;
    std::string status = "setup";
    for (;;) {
        check_cancel();
        auto now = ports_.clock.now();
        if (now >= next_poll) {
            QmpReply q = call(Side::Source, "query-migrate");
            if (q.ok) {
                last_query_migrate_ = q.value;
                status = q.value.value("status", status);
                progress(progress_line(q.value));
            }
            next_poll = now + request_.bounds.poll;
        }
        for (; mark < seen(Side::Source).size(); ++mark) {
            const auto& e = seen(Side::Source)[mark];
            if (e.name == "MIGRATION") status = e.data.value("status", status);
            // The source stopped: from now on its tap's frames would die in a queue nobody reads.
            if (e.name == "STOP") netpass_arm("STOP");
            if (e.name == "MIGRATION" && (status == "device" || status == "pre-switchover"))
                netpass_arm("migration state '" + status + "'");
        }
        if (status == "device" || status == "pre-switchover") netpass_arm("migration state '" + status + "'");
        if (status == "completed") {
            netpass_arm("completed (STOP not seen)");
            break;
        }
        if (status == "failed" || status == "cancelled") {
            // The MIGRATION event can come before our last poll saw the failure: ask once more for error-desc.
            if (QmpReply q = call(Side::Source, "query-migrate"); q.ok) last_query_migrate_ = q.value;
            std::string why = "the migration " + status;
            if (auto d = last_query_migrate_.value("error-desc", std::string()); !d.empty()) why += ": " + d;
            throw StepFailed(step::kMigrate, why);
        }
        if (status == "wait-unplug") {
            if (!unplug_since) unplug_since = now;
            if (now - *unplug_since > request_.bounds.unplug)
                throw StepFailed(step::kUnplugPrimary, "the guest did not eject '" + pairing_.primary + "' within " +
                                                           ms(request_.bounds.unplug) + " (wait-unplug)");
        }
        if (now - start > request_.bounds.migrate)
            throw StepFailed(step::kMigrate, "not completed within " + ms(request_.bounds.migrate) + " (status '" +
                                                 status + "')");
        pump(Side::Source, std::max(Millis(1), std::min(request_.bounds.poll,
                                                         std::chrono::duration_cast<Millis>(next_poll - now))));
    }
    if (QmpReply q = call(Side::Source, "query-migrate"); q.ok) {
        last_query_migrate_ = q.value;
        progress(progress_line(q.value));
    }
    settle_destination();
    end("ok", {{"total-time", last_query_migrate_.value("total-time", json())},
               {"downtime", last_query_migrate_.value("downtime", json())},
               {"setup-time", last_query_migrate_.value("setup-time", json())}});
}

void MigrationRun::settle_destination() {
    const auto deadline = ports_.clock.now() + request_.bounds.plug;
    std::string status;
    for (;;) {
        status = call_ok(Side::Destination, "query-status").value("status", std::string("?"));
        if (status != "inmigrate") {
            destination_loaded_ = ports_.clock.now();  // the load completed before this reply (a bound after it)
            break;
        }
        check_cancel();
        if (ports_.clock.now() >= deadline)
            throw StepFailed(step::kMigrate, "the destination is still 'inmigrate' " + ms(request_.bounds.plug) +
                                                 " after the source completed");
        pump(Side::Destination, request_.bounds.poll);
    }
    if (status == "running") {
        commit();
    } else if (status == "paused" || status == "prelaunch") {
        destination_paused_ = true;  // started with -S: we resume it once its VF is in place
    } else {
        throw StepFailed(step::kMigrate, "the destination is '" + status + "' after the migration");
    }
}

void MigrationRun::do_plug_primary() {
    begin(step::kPlugPrimary, Side::Destination, {{"primary", pairing_.primary}});
    const auto& pd = request_.primary_device;
    if (pairing_.failover) {
        const auto negotiated = await(
            Side::Destination,
            [&](const QmpEvent& e) {
                return e.name == "FAILOVER_NEGOTIATED" && e.data.value("device-id", std::string()) == pairing_.standby;
            },
            request_.bounds.plug, 0);
        if (!negotiated && !pd)
            throw StepFailed(step::kPlugPrimary, "no FAILOVER_NEGOTIATED for '" + pairing_.standby +
                                                     "' from the destination within " + ms(request_.bounds.plug));
        if (await_pci(Side::Destination, pairing_.primary, true, negotiated ? request_.bounds.plug : Millis(0))) {
            end("ok", {{"by", "FAILOVER_NEGOTIATED"}});
            return;
        }
        if (!pd)
            throw StepFailed(step::kPlugPrimary, "the destination negotiated failover but '" + pairing_.primary +
                                                     "' is not listed within " + ms(request_.bounds.plug));
    }
    await_migration_announce();
    call_ok(Side::Destination, "device_add", *pd);
    if (!await_pci(Side::Destination, pairing_.primary, true, request_.bounds.plug))
        throw StepFailed(step::kPlugPrimary, "'" + pairing_.primary + "' is not listed on the destination " +
                                                 ms(request_.bounds.plug) + " after device_add");
    end("ok", {{"by", "device_add"}});
}

// QEMU announces the guest's MAC itself once an incoming migration has loaded (qemu_announce_self with the
// destination's announce-* migration parameters, before the guest runs): a RARP from every NIC it emulates in
// each round, 800 ms of rounds by default, and whichever NIC exists at a round is in it. An emulated primary
// (the e1000e standing in for a VF) plugged before the last round is announced from its own backend: the
// switch moves the guest's MAC to the VF's port, where the guest receives nothing yet (its driver probes and
// autonegotiates for seconds), and the host's frames go there until the guest's next frame on the standby
// moves it back. Measured in tests/vm (MigrateWithHostNetpass): rounds 450 and 800 ms after the load fell
// after device_add, and 0-2 pings toward the guest were lost per migration. QMP cannot stop that timer (our
// own announce-self names the standby only), so the primary is plugged once it is over. A passthrough VF
// (vfio-pci) is no NIC of QEMU's: no wait. Bounded by the plug bound; a VMM without the parameters: no wait.
void MigrationRun::await_migration_announce() {
    if (!destination_loaded_ || !request_.primary_device || !qemu_announces(*request_.primary_device)) return;
    const QmpReply parameters = call(Side::Destination, "query-migrate-parameters");
    if (!parameters.ok) return;
    const auto span = migration_announce_span(parameters.value);
    if (!span || span->count() == 0) return;
    // QEMU schedules each round from the last one's firing: a busy main loop makes the rounds late, not early.
    constexpr Millis kLateRounds{200};
    const auto start = ports_.clock.now();
    const auto until = *destination_loaded_ + *span + kLateRounds;
    if (start >= until) return;
    const auto wanted = std::chrono::ceil<Millis>(until - start);
    const Millis wait = std::min(wanted, request_.bounds.plug);
    wait_out(Side::Destination, wait);
    json detail{{"announce_ms", span->count()}, {"waited_ms", wait.count()}};
    if (wait < wanted) detail["detail"] = "cut at the plug bound: the primary may be announced";
    record("note", "migration-announce-over", "", Side::Destination, std::move(detail));
}

void MigrationRun::do_filter_to_primary() {
    begin(step::kFilterToPrimary, Side::Host);
    if (!ports_.destination_filter) {
        end("skipped", {{"reason", "no destination filter given"}});
        return;
    }
    push_undo(Side::Host, [f = ports_.destination_filter] { f->restore(); });
    ports_.destination_filter->to_primary();
    end("ok", {{"filter", ports_.destination_filter->describe()}});
}

void MigrationRun::do_resume_destination() {
    begin(step::kResumeDestination, Side::Destination);
    if (!destination_paused_) {
        end("skipped", {{"reason", "the destination started the guest itself"}});
        return;
    }
    call_ok(Side::Destination, "cont");
    commit();
    end("ok");
}

void MigrationRun::finish_after_switch(RunResult& result) {
    begin(step::kAnnounce, Side::Destination);
    if (!request_.announce.enabled) {
        end("skipped", {{"reason", "--no-announce"}});
    } else {
        const auto& a = request_.announce;
        // From the standby only (QEMU: `interfaces`, by NIC id): an emulated primary with the same MAC, just
        // plugged, would announce it from the VF's port while the guest does not use the VF yet, and the
        // bridge would send the guest's frames there until the guest's next frame on the standby (measured in
        // tests/vm: every round cost the stream toward the guest up to 60 frames). A passthrough VF is never
        // announced by QEMU; the guest's own traffic teaches the switch once it uses the VF (our VMM does the same).
        QmpReply r = call(Side::Destination, "announce-self",
                          {{"initial", a.initial}, {"max", a.max}, {"rounds", a.rounds}, {"step", a.step},
                           {"interfaces", json::array({pairing_.standby})}});
        if (r.ok) {
            end("ok");
        } else {
            result.warnings.push_back("announce-self: " + r.error_class + ": " + r.desc);
            end(r.command_not_found() ? "skipped" : "failed", {{"error", r.error_class + ": " + r.desc}});
        }
    }
    release_source_filter(result);
}

void MigrationRun::release_source_filter(RunResult& result) {
    if (source_filter_released_) return;
    source_filter_released_ = true;
    begin(step::kReleaseSourceFilter, Side::Host);
    if (!ports_.source_filter) {
        end("skipped", {{"reason", "no source filter given"}});
        return;
    }
    try {
        ports_.source_filter->release();
        end("ok", {{"filter", ports_.source_filter->describe()}});
    } catch (const std::exception& e) {
        result.warnings.push_back(std::string("release-source-filter: ") + e.what());
        end("failed", {{"error", e.what()}});
    }
}

// ---------------------------------------------------------------------------------------------- undos

void MigrationRun::undo_migrate() {
    const auto status_now = [&] {
        QmpReply q = call(Side::Source, "query-migrate");
        return q.ok ? q.value.value("status", std::string("none")) : std::string("none");
    };
    std::string status = status_now();
    if (migration_running(status)) call_ok(Side::Source, "migrate_cancel");
    const auto deadline = ports_.clock.now() + request_.bounds.rollback;
    while (migration_running(status)) {
        if (ports_.clock.now() >= deadline)
            throw std::runtime_error("the source migration is still '" + status + "' " + ms(request_.bounds.rollback) +
                                     " after migrate_cancel");
        pump(Side::Source, request_.bounds.poll);
        status = status_now();
    }
    // QEMU restarts a guest that was running once the migration is cancelled or failed; give it a moment,
    // then resume it ourselves (also after a completed migration to a destination we did not start).
    const auto run_state = [&] { return call_ok(Side::Source, "query-status").value("status", std::string("?")); };
    const auto settle = ports_.clock.now() + std::min(request_.bounds.rollback, Millis(1000));
    std::string state = run_state();
    while (state != "running" && ports_.clock.now() < settle) {
        pump(Side::Source, request_.bounds.poll);
        state = run_state();
    }
    if (state != "running") {
        call_ok(Side::Source, "cont");
        if ((state = run_state()) != "running")
            throw std::runtime_error("the source VM stays '" + state + "' after cont");
    }
    if (pairing_.failover && pairing_.primary_on_source &&
        !await_pci(Side::Source, pairing_.primary, true, request_.bounds.rollback))
        replug_on_source();
}

void MigrationRun::replug_on_source() {
    if (await_pci(Side::Source, pairing_.primary, true, Millis(0))) {
        record("note", "primary-still-plugged", "", Side::Source,
               {{"primary", pairing_.primary},
                {"detail", "the guest never released it; a pending unplug request may still complete later"}});
        return;
    }
    if (!request_.primary_device)
        throw std::runtime_error("'" + pairing_.primary + "' is gone from the source and no --primary-device was given to plug it back");
    call_ok(Side::Source, "device_add", *request_.primary_device);
    if (!await_pci(Side::Source, pairing_.primary, true, request_.bounds.plug))
        throw std::runtime_error("'" + pairing_.primary + "' is not listed on the source after device_add");
}

void MigrationRun::run_undos(RunResult& result) {
    rolling_back_ = true;
    while (!undos_.empty()) {
        Undo undo = std::move(undos_.back());
        undos_.pop_back();
        record("undo", undo.step, "begin", undo.side, json::object());
        try {
            undo.action();
            record("undo", undo.step, "ok", undo.side, json::object());
        } catch (const std::exception& e) {
            record("undo", undo.step, "failed", undo.side, {{"error", e.what()}});
            // The destination VMM is thrown away after a failed run (QEMU even quits when its incoming
            // migration fails): what could not be undone there is worth a warning, not a failed rollback.
            if (undo.side == Side::Destination)
                result.warnings.push_back("undo " + undo.step + " on the destination: " + e.what() + " (ignored)");
            else
                result.rollback_errors.push_back(undo.step + ": " + e.what());
        }
    }
}

// ---------------------------------------------------------------------------------------------- run

RunResult MigrationRun::run() {
    RunResult result = preflight();
    if (result.status == RunStatus::Refused) return result;
    try {
        do_capabilities();
        do_standby_link_up();
        do_filter_to_standby();
        do_primary_link_down();
        do_unplug_primary();
        do_netpass_start();
        do_migrate();
        // The destination runs: host netpass ends before the VF comes back. Its hold and injection are on the
        // standby's backend, so they order the frames only while that is the guest's one path; once the VF is
        // plugged (and the filter points at it) new frames would overtake the held ones. (A destination started
        // paused runs only at resume-destination, after the VF: netpass ends at the end there.)
        // The source's filter is released first: it steers the VM's frames to the stopped source, where
        // only netpass still carries them on (once netpass has finished they would be lost), and the source
        // half stays "still receiving" (the hold open) for as long as they come.
        if (committed_) {
            release_source_filter(result);
            netpass_finish(result);
        }
        do_plug_primary();
        do_filter_to_primary();
        do_resume_destination();
    } catch (const std::exception& e) {
        const auto* failed = dynamic_cast<const StepFailed*>(&e);
        result.failed_step = failed ? failed->step() : current_step_;
        result.error = e.what();
        end("failed", {{"error", e.what()}, {"failed-step", result.failed_step}});
        result.migration_stats = last_query_migrate_;
        if (committed_) {
            result.status = RunStatus::FailedAfterSwitch;
            finish_after_switch(result);
            netpass_finish(result);
            drain_events();
            return result;
        }
        run_undos(result);
        netpass_finish(result);
        drain_events();
        result.status = result.rollback_errors.empty() ? RunStatus::RolledBack : RunStatus::RollbackIncomplete;
        return result;
    }
    finish_after_switch(result);
    netpass_finish(result);
    drain_events();
    result.migration_stats = last_query_migrate_;
    result.status = RunStatus::Migrated;
    return result;
}

}  // namespace nf::orchestrator
