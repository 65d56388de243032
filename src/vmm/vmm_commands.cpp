// Vmm: the QMP command handler — device_add's backend checks, our x- extensions, everything else to the model.
#include <spdlog/spdlog.h>

#include "common/error.h"
#include "device/driver_catalog.h"
#include "vmm/vmm.h"

namespace nf::vmm {

qmp::QmpResult Vmm::execute(const std::string& command, const nlohmann::json& arguments) {
    const nlohmann::json args = arguments.is_null() ? nlohmann::json::object() : arguments;
    qmp::QmpResult result;
    if (command == "device_add") result = device_add(args);
    else if (command == "x-surprise-remove") result = surprise_remove(args);
    else if (command == "x-query-vmm") result = describe();
    else if (command == "quit") {
        quit_reason_ = "host-qmp-quit";
        loop_.stop();  // after this round: the reply goes out first
        result = nlohmann::json::object();
    } else if (auto migration_result = migration_command(command, args)) {
        result = std::move(*migration_result);
    } else {
        result = service_.execute(command, args);
    }
    run_deferred();
    // A device change (device_del, a surprise removal) may end the source's wait-unplug.
    if (role_ == MigrationRole::Source && migration::is_running(outgoing_.status()) && command != "migrate" &&
        command != "migrate_cancel")
        apply(outgoing_.device_changed(std::chrono::steady_clock::now()));
    return result;
}

bool Vmm::model_knows(const std::string& id) const {
    if (machine_.find_device(id)) return true;
    for (const auto* standby : machine_.standbys())
        if (standby->primary_options() && standby->primary_options()->id == id) return true;
    return false;
}

// Checks what only the VMM can check, before the model sees the request. Hidden primaries are checked too
// (QEMU would not look at them until plugged): an error now is clearer than a failed plug after negotiation.
std::optional<qmp::QmpError> Vmm::check_backend(const BackendProps& props) const {
    const auto error = [](std::string desc) { return qmp::QmpError{"GenericError", std::move(desc)}; };
    const auto* driver = device::find_driver(props.driver);
    if (!driver) return std::nullopt;  // the model names the problem
    if (!props.ifname.empty() && !valid_ifname(props.ifname))
        return error("Property '" + driver->name + ".ifname' doesn't take value '" + props.ifname +
                     "' (an interface name: 1-15 characters, no '/', ':' or spaces)");
    if (driver->virtio_net && !props.has_pair_id && !props.netdev.empty()) {
        const auto it = std::ranges::find_if(netdevs_, [&](const auto& n) { return n->spec().id == props.netdev; });
        if (it == netdevs_.end())
            return error("Property '" + driver->name + ".netdev' can't find value '" + props.netdev + "'");
        if (!(*it)->user().empty() && (*it)->user() != props.id.value_or("") && model_knows((*it)->user()))
            return error("Property '" + driver->name + ".netdev' can't take value '" + props.netdev + "', it's in use");
    }
    if (driver->name == "vfio-pci" && props.host.empty())
        return error("vfio-pci: no host device: use host=IF (the VF's host end, a veth in the VMM's namespace)");
    if (props.host.empty() || !driver->is_ethernet()) return std::nullopt;
    for (const auto& [id, other] : props_)
        if (other.host == props.host && id != props.id.value_or("") && model_knows(id))
            return error("host device '" + props.host + "' is already in use by '" + id + "'");
    for (const auto& [id, primary] : primaries_)
        if (primary->host_if() == props.host) return std::nullopt;  // plugged right now, so it exists
    try {
        find_vf_port(ns_->host_rtnl, props.host);
    } catch (const ConfigError& e) {
        return error(driver->name + ": " + e.what());
    }
    return std::nullopt;
}

// A VF without mac= keeps the address the host gave it; the model (and so the guest's hello/plugged
// notices and qom-get) should carry that address, as a real VF's would be read from the hardware.
void Vmm::fill_vf_mac(SplitDevice& split) {
    if (split.props.host.empty() || split.props.mac || !split.model_arguments.is_object()) return;
    const auto* driver = device::find_driver(split.props.driver);
    if (!driver || !driver->accepts("mac")) return;
    std::optional<MacAddress> mac;
    for (const auto& [id, primary] : primaries_)
        if (primary->host_if() == split.props.host) mac = primary->mac();
    if (!mac)
        if (const auto link = ns_->host_rtnl.find_link(split.props.host)) mac = link->mac;
    if (!mac) return;
    split.model_arguments["mac"] = mac->to_string();
}

qmp::QmpResult Vmm::device_add(const nlohmann::json& arguments) {
    // QEMU's order: model, bus and the standbys' hiding hooks come before any property or backend
    // (host=, netdev=, ifname=) is looked at, so a primary without an id hears "needs to have id" first.
    if (const auto error = machine_.check_device_head(arguments)) return qmp::QmpError{error->error_class, error->desc};
    SplitDevice split = split_device_arguments(arguments);
    if (const auto error = check_backend(split.props)) return *error;
    fill_vf_mac(split);
    std::optional<BackendProps> previous;
    if (split.props.id) {
        if (const auto it = props_.find(*split.props.id); it != props_.end()) previous = it->second;
        props_[*split.props.id] = split.props;
    }
    adding_ = &split.props;
    plug_failure_.reset();
    qmp::QmpResult result = service_.execute("device_add", split.model_arguments);
    adding_ = nullptr;
    if (std::holds_alternative<qmp::QmpError>(result)) {
        if (split.props.id) {
            if (previous) props_[*split.props.id] = *previous;
            else props_.erase(*split.props.id);
        }
        return result;
    }
    if (plug_failure_) {
        // Like a failed realize in QEMU: an error, and no device left behind.
        const auto [id, what] = *plug_failure_;
        plug_failure_.reset();
        if (machine_.find_device(id)) publish_quietly(machine_.surprise_remove(id));
        return qmp::QmpError{"GenericError", split.props.driver + ": could not plug '" + id + "': " + what};
    }
    return result;
}

qmp::QmpResult Vmm::surprise_remove(const nlohmann::json& arguments) {
    if (!arguments.contains("id") || !arguments["id"].is_string())
        return qmp::QmpError{"GenericError", "Parameter 'id' is missing"};
    const std::string id = arguments["id"].get<std::string>();
    if (!machine_.find_device(id)) return qmp::QmpError{"DeviceNotFound", "Device '" + id + "' not found"};
    service_.publish(machine_.surprise_remove(id));
    return nlohmann::json::object();
}

nlohmann::json Vmm::describe() const {
    nlohmann::json out{{"name", options_.name},
                       {"run-state", device::to_string(machine_.run_state())},
                       {"paused", paused_},
                       {"vf-filter", to_string(options_.vf_filter)},
                       {"guest-connected", channel_ && channel_->guest_connected()},
                       {"cgroup", {{"path", pause_.path()}, {"frozen", pause_.frozen()}}}};
    out["netdevs"] = nlohmann::json::array();
    for (const auto& n : netdevs_)
        out["netdevs"].push_back({{"id", n->spec().id}, {"bridge", n->spec().bridge}, {"port", n->port_name()},
                                  {"backend", n->backend_name()}, {"user", n->user()}});
    out["standbys"] = nlohmann::json::array();
    for (const auto& [id, standby] : standbys_) out["standbys"].push_back(standby->describe());
    out["primaries"] = nlohmann::json::array();
    for (const auto& [id, primary] : primaries_) out["primaries"].push_back(primary->describe());
    out["vf-filters"] = nlohmann::json::array();
    for (const auto& [host_if, filter] : filters_) {
        auto entry = filter->describe();
        entry["host"] = host_if;
        out["vf-filters"].push_back(entry);
    }
    const auto& loop = loop_.counters();
    out["event-loop"] = {{"rounds", loop.rounds},          {"fd-events", loop.fd_events},
                         {"timers-fired", loop.timers_fired}, {"tasks-run", loop.tasks_run},
                         {"handler-errors", loop.handler_errors}, {"removal-errors", removal_errors_}};
    // Robustness counters: what hostile or broken peers cost (issue 9), visible without a debugger.
    const auto qmp = qmp_->counters();
    out["qmp"] = {{"clients", qmp_->client_count()},        {"commands", qmp.commands},
                  {"malformed", qmp.malformed},             {"command-errors", qmp.command_errors},
                  {"accept-exhausted", qmp.accept_exhausted}, {"clients-accepted", qmp.clients_accepted},
                  {"clients-refused", qmp.clients_refused}, {"peers-refused", qmp.peers_refused},
                  {"clients-dropped", qmp.clients_dropped}, {"oversized-lines", qmp.oversized_lines},
                  {"events-broadcast", qmp.events_broadcast}};
    if (channel_) {
        const auto c = channel_->counters();
        out["device-channel"] = {{"guests-accepted", c.guests_accepted}, {"guests-refused", c.guests_refused},
                                 {"peers-refused", c.peers_refused},     {"messages-in", c.messages_in},
                                 {"messages-out", c.messages_out},       {"protocol-errors", c.protocol_errors},
                                 {"oversized-lines", c.oversized_lines}, {"dropped-no-guest", c.dropped_no_guest},
                                 {"accept-exhausted", c.accept_exhausted}};
    }
    return out;
}

}  // namespace nf::vmm
