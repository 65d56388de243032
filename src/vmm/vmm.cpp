// Vmm: start-up (checks, netdevs, cold plug, sockets), the event loop, and shutdown.
#include "vmm/vmm.h"

#include "common/best_effort.h"
#include "vmm/run_record.h"

#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <filesystem>
#include <utility>

#include "common/error.h"
#include "common/unix_socket.h"
#include "device/guest_channel.h"

namespace nf::vmm {

namespace {

std::unique_ptr<Namespaces> open_namespaces(const VmmOptions& options) {
    validate(options);
    const std::string& name = options.guest_netns;
    std::optional<os::Netns> guest;
    try {
        guest = name.find('/') != std::string::npos ? os::Netns::open(name) : os::Netns::open_named(name);
    } catch (const SystemError& e) {
        throw ConfigError("--guest-netns " + name + ": no such network namespace (" + e.what() + ")");
    }
    auto host = os::Netns::current();
    if (guest->same_as(host)) throw ConfigError("--guest-netns " + name + " is the VMM's own namespace");
    return std::make_unique<Namespaces>(std::move(host), std::move(*guest));
}

// A socket path must be creatable, and not be a live socket of another process (we would steal it).
void check_socket_path(const std::string& option, const std::string& path) {
    if (path.empty()) return;
    if (path.size() >= sizeof(sockaddr_un{}.sun_path)) throw ConfigError(option + " " + path + ": path too long");
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir))
        throw ConfigError(option + " " + path + ": directory " + dir.string() + " does not exist");
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) return;
    if (!S_ISSOCK(st.st_mode)) throw ConfigError(option + " " + path + ": exists and is not a socket");
    bool served = false;
    try {
        served = unix_socket_served(path);
    } catch (const SystemError& e) {
        throw ConfigError(option + " " + path + ": " + e.what());
    }
    if (served) throw ConfigError(option + " " + path + ": another process is serving this socket");
}

}  // namespace

Vmm::Vmm(VmmOptions options)
    : options_(std::move(options)),
      ns_(open_namespaces(options_)),
      pause_(options_.cgroup),
      machine_(device::MachineOptions{{.root_port_slots = options_.root_port_slots}, options_.reset_policy}),
      service_(machine_, [this](const device::Action& action) { carry_out(action); }) {
    check_socket_path("--qmp", options_.qmp_path);
    // A destination's channel path is the source's until the switchover (claimed then, vmm_migration.cpp).
    if (options_.incoming.empty()) check_socket_path("--channel", options_.channel_path);
    // A VMM killed before us for this VM (same --qmp) left its links: ours to reclaim, by name and ifindex.
    if (!options_.qmp_path.empty()) {
        run_record_ = run_record_path(options_.qmp_path);
        if (const auto n = reclaim_leftovers(run_record_, *ns_))
            spdlog::warn("vm {}: reclaimed {} link(s) a killed failover-vmm left", options_.name, n);
    }
    // A VMM killed while the VM was stopped left its cgroup frozen; a new VMM starts the VM running. Not a
    // destination: the guest is the source's until the switchover, and the source may have paused it.
    if (options_.incoming.empty() && pause_.frozen()) {
        spdlog::warn("vm {}: the VM's cgroup {} is frozen (a killed VMM paused it): thawing", options_.name, pause_.path());
        pause_.thaw();
    }
    create_netdevs();
    // Before any plug: a joining VF's bridge port waits for the guest to open the VF (vmm_vf_port.cpp).
    guest_monitor_.emplace(os::LinkMonitor::in(ns_->guest));
    loop_.add(guest_monitor_->fd(), EPOLLIN, [this](std::uint32_t) { on_guest_link_events(); }, "guest link monitor");
    cold_plug_devices();
    if (!options_.incoming.empty()) paused_ = true;  // the guest runs at the source until the switchover
    machine_.start();
    // The loop logs and counts a failing handler; a link-event batch that failed halfway leaves the filters
    // unsure, so the next batch starts from a full resync.
    loop_.set_error_hook([this](const std::string& handler, const std::exception&) {
        if (handler == "link monitor") links_suspect_ = true;
    });
    monitor_.emplace();
    loop_.add(monitor_->fd(), EPOLLIN, [this](std::uint32_t) { on_link_events(); }, "link monitor");
    open_sockets();
    if (!options_.incoming.empty()) machine_.migration_incoming_begin();
    if (options_.incoming == "defer") {
        incoming_deferred_ = true;
    } else if (!options_.incoming.empty()) {
        const auto reply = migrate_incoming(options_.incoming);
        if (const auto* error = std::get_if<qmp::QmpError>(&reply)) throw ConfigError("--incoming: " + error->desc);
    }
    starting_ = false;
    spdlog::info("vm {}: ready, QMP on {}", options_.name, options_.qmp_path);
}

Vmm::~Vmm() {
    try {
        if (!starting_) shutdown(quit_reason_);
    } catch (const std::exception& e) {
        spdlog::error("shutdown: {}", e.what());
    }
    if (monitor_) loop_.remove(monitor_->fd());
    if (guest_monitor_) loop_.remove(guest_monitor_->fd());
}

void Vmm::create_netdevs() {
    for (std::size_t i = 0; i < options_.netdevs.size(); ++i) {
        netdevs_.push_back(BridgeNetdev::create(ns_->host_rtnl, options_.name, i, options_.netdevs[i]));
        save_run_record();
    }
}

void Vmm::save_run_record() noexcept {
    if (run_record_.empty()) return;
    best_effort("failover-vmm", "write the run record", [&] {
        RunRecord record = current_run_record();
        for (const auto& netdev : netdevs_)
            for (const auto& name : {netdev->port_name(), netdev->backend_name()})
                if (const auto link = ns_->host_rtnl.find_link(name)) record.pv_links.push_back({name, link->ifindex});
        for (const auto& [id, primary] : primaries_)
            if (primary->plugged()) record.vfs.push_back({primary->host_if(), primary->ifname(), primary->guest_ifindex()});
        ::nf::vmm::save_run_record(run_record_, record);
    });
}

// As QEMU's -device: in order, no hotplug checks, the first error ends start-up.
void Vmm::cold_plug_devices() {
    for (const auto& arguments : options_.devices) {
        const std::string shown = arguments.dump();
        SplitDevice split = split_device_arguments(arguments);
        if (const auto error = check_backend(split.props)) throw ConfigError("--device " + shown + ": " + error->desc);
        fill_vf_mac(split);
        if (split.props.id) props_[*split.props.id] = split.props;
        adding_ = &split.props;
        const device::Outcome outcome = machine_.cold_plug(split.model_arguments);
        if (const auto* error = outcome.error()) throw ConfigError("--device " + shown + ": " + error->desc);
        service_.publish(outcome);  // a backend failure throws while starting_
        adding_ = nullptr;
    }
}

void Vmm::open_sockets() {
    qmp_ = std::make_unique<qmp::QmpServer>(
        loop_, qmp::QmpServerOptions{.socket_path = options_.qmp_path, .access = options_.socket_access},
        [this](const std::string& command, const nlohmann::json& arguments) { return execute(command, arguments); });
    service_.attach(*qmp_);
    // A destination serves the guest's channel only once the guest runs here (vmm_migration.cpp).
    if (options_.incoming.empty()) open_channel();
}

int Vmm::run(int signal_fd) {
    if (signal_fd >= 0) loop_.add(signal_fd, EPOLLIN, [this, signal_fd](std::uint32_t) { on_signal(signal_fd); }, "signals");
    loop_.run();  // until a signal or `quit` stops it
    if (signal_fd >= 0) loop_.remove(signal_fd);
    shutdown(quit_reason_);
    return 0;
}

void Vmm::on_signal(int signal_fd) {
    signalfd_siginfo info{};
    if (::read(signal_fd, &info, sizeof info) != static_cast<ssize_t>(sizeof info)) return;  // nothing queued
    spdlog::info("vm {}: signal {}, shutting down", options_.name, strsignal(static_cast<int>(info.ssi_signo)));
    loop_.stop();
}

void Vmm::shutdown(const std::string& reason) {
    if (shut_down_) return;
    shut_down_ = true;
    close_migration_stream();
    if (migration_listener_) {
        loop_.remove(migration_listener_->fd());
        migration_listener_.reset();
    }
    for (auto& [timer, id] : migration_timers_) loop_.cancel(id);
    migration_timers_.clear();
    if (channel_timer_) loop_.cancel(channel_timer_);
    channel_timer_ = 0;
    if (qmp_) qmp_->broadcast("SHUTDOWN", {{"guest", false}, {"reason", reason}});
    // Primaries first, as a host would take the VF away before the PV NIC; each through the model, so the
    // guest gets its "unplugged" and QMP clients their DEVICE_DELETED.
    std::vector<std::string> primaries, others;
    const auto visit = [&](const auto& self, const nlohmann::json& devices) -> void {
        for (const auto& entry : devices) {
            if (entry.contains("pci_bridge")) self(self, entry["pci_bridge"]["devices"]);
            const std::string id = entry.value("qdev_id", "");
            const auto* device = id.empty() ? nullptr : machine_.find_device(id);
            if (!device || !device->options.driver->is_ethernet()) continue;
            (device->is_primary() ? primaries : others).push_back(id);
        }
    };
    visit(visit, machine_.query_pci().at(0)["devices"]);
    for (const auto& list : {primaries, others})
        for (const auto& id : list) {
            try {
                service_.publish(machine_.surprise_remove(id));
            } catch (const std::exception& e) {
                spdlog::error("shutdown: remove {}: {}", id, e.what());
            }
        }
    // Anything the model did not know about (it should be nothing) goes with the maps' destructors.
    primaries_.clear();
    standbys_.clear();
    filters_.clear();
    // A guest that left (or never arrived) is not ours to thaw.
    const bool guest_here = !guest_released_ && (role_ != MigrationRole::Destination || incoming_.guest_started());
    if (paused_ && guest_here) set_paused(false);
    netdevs_.clear();
    if (!run_record_.empty()) remove_run_record(run_record_);  // nothing left to reclaim
    spdlog::info("vm {}: shut down ({})", options_.name, reason);
}

void Vmm::on_link_events() {
    if (monitor_->resync_needed() || std::exchange(links_suspect_, false)) {
        monitor_->resync();
        for (auto& [host_if, filter] : filters_) update_filter(host_if);
    }
    for (const auto& event : monitor_->drain()) {
        if (event.kind == os::LinkEvent::Kind::Overrun) {
            monitor_->resync();
            for (auto& [host_if, filter] : filters_) update_filter(host_if);
            continue;
        }
        for (auto& [host_if, filter] : filters_) {
            if (filter->port_ifindex() != event.link.ifindex) continue;
            if (event.kind == os::LinkEvent::Kind::New) {
                update_filter(host_if);
                continue;
            }
            if (event.link.new_netnsid) continue;  // moved, not deleted (not ours to move, but not gone)
            // The VF's port is gone, and the VF with it (a veth dies whole): the device vanished under the guest.
            filter->forget();
            for (auto& [id, primary] : primaries_)
                if (primary->host_if() == host_if && primary->plugged()) {
                    primary->mark_gone();
                    queue_removal(id);
                }
        }
    }
}

void Vmm::queue_removal(const std::string& id) {
    deferred_removals_.push_back(id);
    loop_.defer([this] { run_deferred(); }, "deferred removals");
}

void Vmm::run_deferred() {
    while (!deferred_removals_.empty()) {
        const std::string id = deferred_removals_.front();
        deferred_removals_.erase(deferred_removals_.begin());
        if (!machine_.find_device(id)) continue;
        spdlog::warn("device {} vanished from the host: surprise removal", id);
        try {
            service_.publish(machine_.surprise_remove(id));
        } catch (const std::exception& e) {
            // One removal's failure must not keep the others queued (or fail the QMP command that ran them).
            ++removal_errors_;
            spdlog::error("deferred removal of {}: {}", id, e.what());
        }
    }
}

}  // namespace nf::vmm
