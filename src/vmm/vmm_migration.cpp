// Vmm: live migration, the OS edge of src/migration. The core decides (states, stream bytes, return path,
// netpass, timers); this file owns the socket, the loop timers, the taps and the device channel:
//   source:      migrate → connect (non-blocking) → stream out; at switchover the guest's taps travel with
//                the stream (SCM_RIGHTS on a unix: socket); VM_STARTED/SHUT come back on the same socket;
//                completed → the guest (taps, channel) is released to the destination.
//   destination: --incoming URI|defer (+ migrate-incoming) → listen → accept → stream in; the standbys' taps
//                arrive with it and are adopted; record load plugs this host's VF; resume, announce,
//                VM_STARTED; netpass: own frames held until the source's are injected; the device channel
//                is claimed once the source has let it go.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>

#include "common/error.h"
#include "common/overloaded.h"
#include "device/guest_channel.h"
#include "migration/stream_format.h"
#include "vmm/vmm.h"

namespace nf::vmm {

namespace {

migration::Time now() { return migration::Clock::now(); }

// How long a closing stream may take to get its last bytes (SHUT) out before it is closed anyway.
constexpr auto kCloseLinger = std::chrono::milliseconds(2000);
// How long the destination retries the device channel's path while the source still serves it.
constexpr int kChannelClaimAttempts = 150;
constexpr auto kChannelClaimInterval = std::chrono::milliseconds(20);
// A netpass section's payload at most (the core splits the cache at record boundaries).
constexpr std::size_t kNetpassSectionBytes = 1u << 20;
// The source keeps capturing after VM_STARTED until no frame has reached it for kNetpassQuiet, at most
// kNetpassQuietMax: the destination's announcement moves the switch's FDB, but frames the switch sent here
// just before may still be in flight (a busy host's softirq or forwarder lags by milliseconds), and once
// the tail is sent nothing can follow it. The destination holds its own frames meanwhile, so the order
// stays; host netpass's source window does the same ("forwarded until quiet").
constexpr auto kNetpassQuiet = std::chrono::milliseconds(50);
constexpr auto kNetpassQuietMax = std::chrono::milliseconds(300);

qmp::QmpResult to_qmp(const device::Reply& reply) {
    if (const auto* error = std::get_if<device::CommandError>(&reply)) return qmp::QmpError{error->error_class, error->desc};
    return std::get<nlohmann::json>(reply);
}

}  // namespace

qmp::QmpError Vmm::qmp_error(const device::Outcome& outcome) const {
    const auto* error = outcome.error();
    return error ? qmp::QmpError{error->error_class, error->desc} : qmp::QmpError{"GenericError", "failed"};
}

std::optional<qmp::QmpResult> Vmm::migration_command(const std::string& command, const nlohmann::json& arguments) {
    // As QEMU: only an outgoing migration locks the settings; a destination snapshots them when the stream
    // connects (so capabilities may be set after --incoming, as after -incoming).
    const bool busy = migration::is_running(outgoing_.status());
    if (command == "migrate") return migrate(arguments);
    if (command == "migrate_cancel") {
        if (role_ != MigrationRole::Source) return nlohmann::json::object();
        migration::Outcome outcome = outgoing_.cancel(now());
        const auto reply = outcome.reply;
        apply(std::move(outcome));
        return reply ? to_qmp(*reply) : nlohmann::json::object();
    }
    if (command == "migrate-incoming") {
        if (!arguments.contains("uri") || !arguments["uri"].is_string())
            return qmp::QmpError{"GenericError", "Parameter 'uri' is missing"};
        if (!incoming_deferred_) return qmp::QmpError{"GenericError", "'-incoming' was not specified on the command line"};
        return migrate_incoming(arguments["uri"].get<std::string>());
    }
    if (command == "query-migrate") return query_migrate();
    if (command == "migrate-set-capabilities") {
        const device::Outcome outcome = migration_settings_.set_capabilities(arguments, busy);
        return outcome.reply ? to_qmp(*outcome.reply) : nlohmann::json::object();
    }
    if (command == "migrate-set-parameters") {
        const device::Outcome outcome = migration_settings_.set_parameters(arguments, busy);
        return outcome.reply ? to_qmp(*outcome.reply) : nlohmann::json::object();
    }
    if (command == "query-migrate-capabilities") return migration_settings_.query_capabilities();
    if (command == "query-migrate-parameters") return migration_settings_.query_parameters();
    if (command == "announce-self") return announce_self(arguments);
    return std::nullopt;
}

qmp::QmpResult Vmm::migrate(const nlohmann::json& arguments) {
    if (!arguments.contains("uri") || !arguments["uri"].is_string())
        return qmp::QmpError{"GenericError", "Parameter 'uri' is missing"};
    // A destination whose incoming migration completed runs the guest: it may send it on, as QEMU allows
    // (a VM migrates back and forth between hosts).
    const bool arrived = role_ == MigrationRole::Destination && incoming_.status() == migration::Status::Completed &&
                         incoming_.guest_started();
    if ((role_ == MigrationRole::Destination && !arrived) || machine_.run_state() == device::RunState::InMigrate)
        return qmp::QmpError{"GenericError", "Guest is waiting for an incoming migration"};
    if (guest_released_) return qmp::QmpError{"GenericError", "The guest has already migrated away from this VMM"};
    if (migration::is_running(outgoing_.status()))
        return qmp::QmpError{"GenericError", std::string(migration::kMigrationInProgress)};
    const auto parsed = parse_migration_uri(arguments["uri"].get<std::string>());
    if (const auto* error = std::get_if<std::string>(&parsed)) return qmp::QmpError{"GenericError", *error};
    const MigrationUri& uri = std::get<MigrationUri>(parsed);
    // The guest's PV taps must reach the destination VMM: only a unix socket carries file descriptors.
    if (!uri.passes_fds())
        for (const auto& [id, standby] : standbys_)
            if (standby) {
                return qmp::QmpError{"GenericError",
                                     "migrate " + uri.text + ": standby '" + id +
                                         "' has a tap backend, which moves to the destination only over a "
                                         "unix: socket (SCM_RIGHTS); use a unix: URI"};
            }
    if (auto error = migration_settings_.check(migration_settings_.capabilities()))
        return qmp::QmpError{"GenericError", *error};
    if (arrived) close_migration_stream();  // the incoming one is done; the source may not have hung up yet
    UniqueFd fd;
    try {
        fd = start_connect(uri);
    } catch (const SystemError& e) {
        return qmp::QmpError{"GenericError", std::string("Failed to connect to '") + uri.text + "': " + e.what()};
    }
    migration_stream_.emplace(std::move(fd), uri.passes_fds());
    stream_connecting_ = true;
    stream_closing_ = false;
    main_part_queued_ = false;
    migration_in_.clear();
    loop_.add(migration_stream_->fd(), EPOLLIN | EPOLLOUT, [this](std::uint32_t events) { on_migration_socket(events); },
              "migration stream");
    role_ = MigrationRole::Source;
    spdlog::info("vm {}: migrating to {}", options_.name, uri.text);
    migration::Outcome outcome = outgoing_.start(migration_settings_, now());
    const auto reply = outcome.reply;
    if (!outcome.ok()) close_migration_stream();
    apply(std::move(outcome));
    return reply ? to_qmp(*reply) : nlohmann::json::object();
}

qmp::QmpResult Vmm::migrate_incoming(const std::string& uri_text) {
    if (incoming_.status() != migration::Status::None || migration_listener_)
        return qmp::QmpError{"GenericError", "The incoming migration has already been started"};
    const auto parsed = parse_migration_uri(uri_text);
    if (const auto* error = std::get_if<std::string>(&parsed)) return qmp::QmpError{"GenericError", *error};
    if (auto error = migration_settings_.check(migration_settings_.capabilities()))
        return qmp::QmpError{"GenericError", *error};
    try {
        migration_listener_.emplace(std::get<MigrationUri>(parsed));
    } catch (const std::exception& e) {
        return qmp::QmpError{"GenericError", std::string("Failed to listen on '") + uri_text + "': " + e.what()};
    }
    loop_.add(migration_listener_->fd(), EPOLLIN, [this](std::uint32_t) { on_migration_listener(); }, "migration listener");
    role_ = MigrationRole::Destination;
    spdlog::info("vm {}: waiting for the incoming migration on {}", options_.name, uri_text);
    return nlohmann::json::object();
}

nlohmann::json Vmm::query_migrate() const {
    // A VM that arrived here and left again reports its outgoing migration.
    if (role_ == MigrationRole::Destination || (role_ != MigrationRole::Source && incoming_.status() != migration::Status::None)) {
        migration::NetpassCounters counters;
        for (const auto& [id, standby] : standbys_) {
            const auto c = standby->ordering_counters();
            counters.injected += c.injected;
            counters.held += c.held;
            counters.dropped += c.dropped;
        }
        return incoming_.query(now(), counters);
    }
    return outgoing_.query(now(), netpass_cache_.counters());
}

void Vmm::on_migration_listener() {
    if (!migration_listener_) return;
    UniqueFd fd = migration_listener_->accept();
    if (!fd) return;
    // One stream per incoming migration; the listener goes as soon as it has it (as QEMU's does).
    const bool passes_fds = migration_listener_->uri().passes_fds();
    loop_.remove(migration_listener_->fd());
    migration_listener_.reset();
    migration_stream_.emplace(std::move(fd), passes_fds);
    loop_.add(migration_stream_->fd(), EPOLLIN, [this](std::uint32_t events) { on_migration_socket(events); },
              "migration stream");
    migration::Outcome started = incoming_.start(migration_settings_, now());
    const bool ok = started.ok();
    if (!ok) {
        spdlog::error("vm {}: incoming migration refused: {}", options_.name,
                      started.error() ? started.error()->desc : std::string("?"));
        close_migration_stream();
    }
    apply(std::move(started));
    if (ok) apply(incoming_.stream_connected(now()));
}

void Vmm::on_migration_socket(std::uint32_t events) {
    if (!migration_stream_) return;
    if (stream_connecting_) {
        if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
        const int error = finish_connect(migration_stream_->fd());
        if (error == EAGAIN) return;
        stream_connecting_ = false;
        if (error != 0) {
            close_migration_stream();
            apply(outgoing_.stream_failed(std::string("connect: ") + std::strerror(error), now()));
            return;
        }
    }
    if (events & EPOLLOUT) flush_migration_stream();
    if (!migration_stream_ || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    // Bounded per round: at most 16 reads (1 MiB), the loop comes back for the rest.
    for (int i = 0; i < 16 && migration_stream_; ++i) {
        MigrationConnection::ReadResult result;
        try {
            result = migration_stream_->read(migration_in_);
        } catch (const SystemError& e) {
            close_migration_stream();
            if (role_ == MigrationRole::Source) apply(outgoing_.stream_failed(e.what(), now()));
            else apply(incoming_.stream_closed(now()));
            return;
        }
        if (role_ == MigrationRole::Destination) adopt_received_taps();
        if (!migration_in_.empty()) {
            std::vector<std::byte> bytes = std::move(migration_in_);
            migration_in_.clear();
            if (role_ == MigrationRole::Source) apply(outgoing_.return_path_bytes(bytes, now()));
            else apply(incoming_.stream_bytes(bytes, now()));
        }
        if (result == MigrationConnection::ReadResult::WouldBlock) return;
        if (result == MigrationConnection::ReadResult::Eof) {
            close_migration_stream();
            if (role_ == MigrationRole::Source) apply(outgoing_.return_path_closed(now()));
            else apply(incoming_.stream_closed(now()));
            return;
        }
    }
}

void Vmm::flush_migration_stream() {
    if (!migration_stream_ || stream_connecting_) return;
    bool idle = false;
    try {
        idle = migration_stream_->flush();
    } catch (const SystemError& e) {
        close_migration_stream();
        if (role_ == MigrationRole::Source) apply(outgoing_.stream_failed(e.what(), now()));
        else apply(incoming_.stream_closed(now()));
        return;
    }
    // Watch for room only while something waits to go.
    loop_.modify(migration_stream_->fd(), EPOLLIN | (idle ? 0u : static_cast<std::uint32_t>(EPOLLOUT)));
    if (!idle) return;
    if (stream_closing_) {
        close_migration_stream();
        return;
    }
    if (main_part_queued_ && role_ == MigrationRole::Source) {
        main_part_queued_ = false;
        apply(outgoing_.main_part_sent(now()));
    }
}

void Vmm::send_netpass_when_quiet() {
    netpass_send_from_ = now();
    netpass_kept_seen_ = netpass_cache_.counters().kept;
    if (netpass_quiet_timer_) loop_.cancel(netpass_quiet_timer_);
    netpass_quiet_timer_ = loop_.after(kNetpassQuiet, [this] { on_netpass_quiet_check(); }, "netpass quiet");
}

void Vmm::on_netpass_quiet_check() {
    netpass_quiet_timer_ = 0;
    // Frames still waiting unread on the backend's socket count as arrived: into the cache first.
    for (auto& [id, standby] : standbys_) standby->drain_to_netpass();
    const auto kept = netpass_cache_.counters().kept;
    if (kept != netpass_kept_seen_ && now() - netpass_send_from_ < kNetpassQuietMax) {
        netpass_kept_seen_ = kept;
        netpass_quiet_timer_ = loop_.after(kNetpassQuiet, [this] { on_netpass_quiet_check(); }, "netpass quiet");
        return;
    }
    spdlog::info("vm {}: netpass: sending {} kept frame(s), {} ms after VM_STARTED", options_.name,
                  kept - netpass_cache_.counters().sent,
                  std::chrono::duration_cast<std::chrono::milliseconds>(now() - netpass_send_from_).count());
    if (migration_stream_) migration_stream_->queue(netpass_cache_.take_tail(kNetpassSectionBytes));
    flush_migration_stream();
    netpass_pins_.clear();  // nothing more is kept here: the switch may learn where the guest is now
}

// The pin is the host NIC's filter for the guest's MAC on its PV port, as `--vf-filter` installs one on the
// VF's port: a static, sticky FDB entry, removed when netpass ends (or with the VMM).
void Vmm::pin_for_netpass() {
    netpass_pins_.clear();
    for (const auto& [id, standby] : standbys_) {
        const auto* model = machine_.find_standby(id);
        const BridgeNetdev* netdev = standby->netdev();
        if (!model || !model->mac() || !netdev) continue;
        try {
            const auto port = ns_->host_rtnl.find_link(netdev->port_name());
            if (!port) continue;
            auto pin = std::make_unique<VfMacFilter>(ns_->host_rtnl, VfFilterPolicy::WhileBound, port->ifindex,
                                                     netdev->port_name(), *model->mac());
            pin->update(true, true);
            netpass_pins_.push_back(std::move(pin));
        } catch (const std::exception& e) {
            spdlog::warn("vm {}: netpass: cannot pin {} to {}: {}", options_.name, model->mac()->to_string(),
                         netdev->port_name(), e.what());
        }
    }
}

void Vmm::close_migration_stream() {
    if (close_timer_) loop_.cancel(close_timer_);
    close_timer_ = 0;
    stream_closing_ = false;
    stream_connecting_ = false;
    if (!migration_stream_) return;
    loop_.remove(migration_stream_->fd());
    spdlog::info("vm {}: migration stream closed ({})", options_.name, migration_stream_->describe().dump());
    migration_stream_.reset();
}

// The destination's standbys get their taps in the order the source sent them: its standbys by id, as ours.
void Vmm::adopt_received_taps() {
    std::ranges::sort(awaited_taps_, {}, &AwaitedTap::id);
    while (migration_stream_ && !awaited_taps_.empty()) {
        auto fd = migration_stream_->take_fd();
        if (!fd) return;
        AwaitedTap awaited = awaited_taps_.front();
        awaited_taps_.erase(awaited_taps_.begin());
        try {
            auto tap = StandbyTap::adopt(std::move(*fd), awaited.ifname);
            // With netpass the destination holds from here on, not only from the resume: the switch may send
            // frames here before the guest resumes (they reached the backend's socket, some already before
            // the tap came), and a paused standby would drop them (4 lost toward the guest in one `make demo`
            // migration): held, they follow the source's frames, in order. NetpassHold then finds it holding.
            std::optional<migration::NetpassLimits> hold;
            if (incoming_.netpass()) {
                const auto& p = migration_settings_.parameters();
                hold = migration::NetpassLimits{p.netpass_max_frames, p.netpass_max_bytes};
            }
            standbys_[awaited.id] = std::make_unique<StandbyDevice>(awaited.id, std::move(tap), awaited.netdev, paused_,
                                                                    &netpass_cache_, hold);
            spdlog::info("vm {}: standby {}: tap received from the source", options_.name, awaited.id);
        } catch (const std::exception& e) {
            spdlog::error("vm {}: standby {}: received tap unusable: {}", options_.name, awaited.id, e.what());
        }
    }
}

void Vmm::arm_migration_timer(migration::Timer timer, migration::Millis after) {
    cancel_migration_timer(timer);
    migration_timers_[timer] = loop_.after(
        after,
        [this, timer] {
            migration_timers_.erase(timer);
            if (role_ == MigrationRole::Source) apply(outgoing_.timer_expired(timer, now()));
            else apply(incoming_.timer_expired(timer, now()));
        },
        "migration " + std::string(migration::to_string(timer)));
}

void Vmm::cancel_migration_timer(migration::Timer timer) {
    if (const auto it = migration_timers_.find(timer); it != migration_timers_.end()) {
        loop_.cancel(it->second);
        migration_timers_.erase(it);
    }
}

void Vmm::apply(migration::Outcome outcome) {
    for (const auto& warning : outcome.warnings) spdlog::warn("vm {}: {}", options_.name, warning);
    // Events first, as the core ordered them (a device action's events are among them already).
    if (qmp_)
        for (const auto& event : outcome.events) qmp_->broadcast(event.name, event.data);
    bool switchover_write = false;
    // The core asks for capture right after the pause; started before it, no frame that reaches the
    // backend in between is dropped (the sink only sees frames while the backend is paused).
    if (std::erase_if(outcome.actions, [](const migration::Action& a) {
            return std::holds_alternative<migration::NetpassStartCapture>(a);
        }) > 0)
    {
        netpass_cache_.start();
        pin_for_netpass();
    }
    for (auto& action : outcome.actions) {
        try {
            carry_out_migration(action, switchover_write);
        } catch (const std::exception& e) {
            spdlog::error("vm {}: migration action {}: {}", options_.name, migration::to_string(action), e.what());
        }
    }
    // The netpass hold may have ended (inject, release, end): the destination's VFs follow the frames.
    try {
        plug_deferred_primaries();
    } catch (const std::exception& e) {
        spdlog::error("vm {}: plugging the destination's primaries: {}", options_.name, e.what());
    }
    run_deferred();
    migration_settled();
}

void Vmm::carry_out_migration(migration::Action& action, bool& switchover_write) {
    spdlog::debug("migration action: {}", migration::to_string(action));
    std::visit(
        Overloaded{
            [&](migration::ArmTimer& a) { arm_migration_timer(a.timer, a.after); },
            [&](migration::CancelTimer& a) { cancel_migration_timer(a.timer); },
            [&](migration::WriteStream& a) {
                if (!migration_stream_) return;
                if (switchover_write && role_ == MigrationRole::Source) {
                    // The guest's taps ride with the first byte of the device state (standbys by id).
                    for (const auto& [id, standby] : standbys_) migration_stream_->queue_fd(standby->tap_fd());
                    main_part_queued_ = true;
                    switchover_write = false;
                }
                migration_stream_->queue(a.bytes);
                flush_migration_stream();
            },
            [&](migration::WriteReturnPath& a) {
                if (!migration_stream_) return;
                migration_stream_->queue(a.bytes);
                flush_migration_stream();
            },
            [&](migration::CloseStream&) {
                if (!migration_stream_) return;
                if (migration_stream_->idle()) {
                    close_migration_stream();
                    return;
                }
                stream_closing_ = true;
                if (!close_timer_)
                    close_timer_ = loop_.after(kCloseLinger, [this] { close_timer_ = 0; close_migration_stream(); },
                                               "migration stream linger");
            },
            [&](migration::NetpassStartCapture&) {
                netpass_cache_.start();
                pin_for_netpass();
            },
            [&](migration::NetpassSend&) { send_netpass_when_quiet(); },
            [&](migration::NetpassReturnToGuest&) {
                // The frames that reached the paused source are the guest's: it gets them first, oldest first.
                auto frames = netpass_cache_.take_frames();
                if (!standbys_.empty()) standbys_.begin()->second->inject_then_release(std::move(frames));
            },
            [&](migration::NetpassHold&) {
                const auto& p = migration_settings_.parameters();
                for (auto& [id, standby] : standbys_) standby->hold_from_bridge({p.netpass_max_frames, p.netpass_max_bytes});
            },
            [&](migration::NetpassInject& a) {
                // Records carry no netdev: the lab's VMs have one standby. More would each get their holds released.
                bool first = true;
                for (auto& [id, standby] : standbys_) {
                    standby->inject_then_release(first ? std::move(a.frames) : std::vector<migration::NetpassFrame>{});
                    first = false;
                }
            },
            [&](migration::NetpassRelease&) {
                for (auto& [id, standby] : standbys_) standby->inject_then_release({});
            },
            [&](migration::NetpassEnd&) {
                for (const auto& [id, standby] : standbys_)
                    spdlog::info("vm {}: standby {} at netpass end: {}", options_.name, id,
                                 to_json(standby->counters()).dump());
                if (netpass_quiet_timer_) loop_.cancel(std::exchange(netpass_quiet_timer_, 0));
                netpass_pins_.clear();
                netpass_cache_.stop();
                for (auto& [id, standby] : standbys_)
                    if (standby->holding()) standby->inject_then_release({});
            },
            [&](migration::Announce&) {
                // One round at once, before VM_STARTED leaves: the switch moves the guest's MAC to our port
                // before the source stops keeping frames for netpass (QEMU waits 50 ms and loses that gap).
                for (auto& [id, standby] : standbys_) {
                    const auto* model = machine_.find_standby(id);
                    if (model && model->mac()) standby->announce(*model->mac());
                }
                announce_self(nlohmann::json::object());  // then QEMU's rounds
            },
            [&](migration::DeviceAction& a) {
                const bool pausing = std::holds_alternative<device::PauseGuest>(a.action);
                device::Outcome device_outcome;
                device_outcome.actions.push_back(a.action);
                service_.publish(device_outcome);
                if (pausing && role_ == MigrationRole::Source) {
                    switchover_write = true;
                    // A paused guest has no channel; the destination serves it once the guest runs there.
                    close_channel();
                }
            },
        },
        action);
}

// QEMU's announce-self: `rounds` RARPs per NIC, the first after `initial` ms, each later one `step` ms more
// than the last, at most `max` ms apart. Ours: from every standby's backend port (the VF announces itself
// through the guest's failoverd).
qmp::QmpResult Vmm::announce_self(const nlohmann::json& arguments) {
    long long initial = 50, max = 550, rounds = 5, step = 100;
    for (const auto& [key, value] : arguments.items()) {
        long long* slot = key == "initial" ? &initial : key == "max" ? &max : key == "rounds" ? &rounds
                        : key == "step" ? &step : nullptr;
        if (!slot) {
            if (key == "interfaces" || key == "id") continue;
            return qmp::QmpError{"GenericError", "Parameter '" + key + "' is unexpected"};
        }
        if (!value.is_number_integer() || value.get<long long>() < 0)
            return qmp::QmpError{"GenericError", "Parameter '" + key + "' expects uint64"};
        *slot = value.get<long long>();
    }
    if (rounds > 100 || initial > 100000 || max > 100000 || step > 100000)
        return qmp::QmpError{"GenericError", "announce-self: rounds at most 100, times at most 100000 ms"};
    long long at = initial, gap = initial;
    for (long long round = 0; round < rounds; ++round) {
        loop_.after(std::chrono::milliseconds(at), [this] {
            for (auto& [id, standby] : standbys_) {
                const auto* model = machine_.find_standby(id);
                if (model && model->mac()) standby->announce(*model->mac());
            }
        }, "announce-self");
        gap = std::min(gap + step, max);
        at += gap;
    }
    return nlohmann::json::object();
}

// Follow-ups that depend on where the migration stands after an outcome.
void Vmm::migration_settled() {
    if (role_ == MigrationRole::Source) {
        const auto status = outgoing_.status();
        if (status == migration::Status::Completed && !guest_released_) release_guest();
        // Failed after the destination (may have) started the guest: it is the destination's as after a
        // completion. Kept, our paused forwarder would share the guest's taps with the destination's, and our
        // exit would thaw a guest we promised not to resume (scenario 37).
        if (outgoing_.source_guest() == migration::SourceGuest::LeftPaused && !guest_released_) release_guest();
        // Cancelled or failed before the destination could start: the guest is ours again, and so its channel.
        if ((status == migration::Status::Cancelled || status == migration::Status::Failed) &&
            outgoing_.source_guest() == migration::SourceGuest::Resumed && !channel_)
            open_channel();
    } else if (role_ == MigrationRole::Destination) {
        if (incoming_.guest_started() && !channel_ && !channel_timer_ && !options_.channel_path.empty()) claim_channel(0);
    }
}

void Vmm::release_guest() {
    guest_released_ = true;
    close_channel();
    // What the guest's PV paths did here, for the record (a migration's loss is read from both VMMs' logs).
    for (const auto& [id, standby] : standbys_)
        spdlog::info("vm {}: standby {} at release: {}", options_.name, id, to_json(standby->counters()).dump());
    pause_.disown();  // frozen by us at switchover, thawed by the destination: never ours to thaw again
    // The taps are the destination's now (it holds its own references): close ours without a word to the
    // model or the guest. The VFs went with the guest's ejects.
    standbys_.clear();
    // A VF still in the guest (failover=off, or a primary the guest never ejected: its state "migrated")
    // stays on this host: the guest left it. Back to the host, as its unplug would; the model keeps listing
    // it, as QEMU's source does until it exits.
    std::vector<std::string> plugged;
    for (const auto& [id, primary] : primaries_) plugged.push_back(id);
    for (const auto& id : plugged) unplug_primary({id, device::RemovalMode::Surprise});
    spdlog::info("vm {}: guest handed to the destination", options_.name);
}

void Vmm::open_channel() {
    if (options_.channel_path.empty() || channel_) return;
    channel_ = std::make_unique<qmp::DeviceChannelServer>(
        loop_, options_.channel_path, [this] { return device::channel::hello_for(machine_); },
        [this](const device::channel::Message& message) {
            service_.on_guest_message(message);
            run_deferred();
            if (role_ == MigrationRole::Source && migration::is_running(outgoing_.status()))
                apply(outgoing_.device_changed(now()));
        },
        64 * 1024, options_.socket_access);
    // A migration's eject request is a state of the slot (QEMU: the attention button / ACPI "down" bit the
    // guest reads whenever it looks), not a one-off message: a guest that connects while one is pending
    // (failoverd reconnects to the channel a migration moved here) is asked again, or wait-unplug would
    // run into its bound for a request sent to nobody.
    channel_->on_guest_connected([this] {
        for (const auto& id : machine_.pending_unplugs()) channel_->send(device::channel::EjectRequest{id});
    });
    service_.attach(*channel_);
}

void Vmm::close_channel() {
    if (!channel_) return;
    service_.detach_channel();
    channel_.reset();
}

// The source lets the channel's path go at completion; until then, retry (bounded) and say so.
void Vmm::claim_channel(int attempt) {
    channel_timer_ = 0;
    if (channel_ || guest_released_) return;
    try {
        if (!unix_socket_served(options_.channel_path)) {
            open_channel();
            spdlog::info("vm {}: serving the guest's device channel {}", options_.name, options_.channel_path);
            return;
        }
    } catch (const std::exception& e) {
        spdlog::warn("vm {}: device channel {}: {}", options_.name, options_.channel_path, e.what());
    }
    if (attempt >= kChannelClaimAttempts) {
        spdlog::error("vm {}: device channel {} still served by another process after {} ms; the guest has no channel",
                      options_.name, options_.channel_path, kChannelClaimAttempts * kChannelClaimInterval.count());
        return;
    }
    channel_timer_ = loop_.after(kChannelClaimInterval, [this, attempt] { claim_channel(attempt + 1); }, "claim device channel");
}

}  // namespace nf::vmm
