#include "vmm/vmm_options.h"

#include <CLI/CLI.hpp>

#include <iostream>
#include <set>

#include "common/error.h"
#include "vmm/keyval.h"
#include "vmm/migration_uri.h"
#include "vmm/root_port.h"

namespace nf::vmm {

std::string to_string(VfFilterPolicy policy) {
    return policy == VfFilterPolicy::Stale ? "stale" : "while-bound";
}

namespace {

NetdevSpec parse_netdev(const std::string& text) {
    nlohmann::json kv;
    try {
        kv = parse_keyval(text, "type");
    } catch (const ConfigError& e) {
        throw ConfigError("--netdev " + text + ": " + e.what());
    }
    const std::string type = kv.value("type", "");
    if (type != "bridge")
        throw ConfigError("--netdev " + text + ": type '" + type + "' is not supported (only 'bridge')");
    NetdevSpec spec;
    for (const auto& [key, value] : kv.items()) {
        if (key == "type") continue;
        if (key == "id") spec.id = value.get<std::string>();
        else if (key == "br") spec.bridge = value.get<std::string>();
        else throw ConfigError("--netdev " + text + ": unknown parameter '" + key + "' (bridge takes id, br)");
    }
    if (spec.id.empty()) throw ConfigError("--netdev " + text + ": 'id' is missing");
    if (spec.bridge.empty()) throw ConfigError("--netdev " + text + ": 'br' is missing");
    return spec;
}

bool valid_vm_name(const std::string& name) {
    if (name.empty() || name.size() > kMaxVmNameLength) return false;
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
    return true;
}

}  // namespace

void validate(const VmmOptions& o) {
    if (!valid_vm_name(o.name))
        throw ConfigError("--name '" + o.name + "': 1 to " + std::to_string(kMaxVmNameLength) +
                          " characters of [A-Za-z0-9_-] (it prefixes link names, which are limited to 15)");
    if (o.qmp_path.empty()) throw ConfigError("--qmp PATH is required");
    if (o.guest_netns.empty()) throw ConfigError("--guest-netns NAME is required");
    if (!o.channel_path.empty() && o.channel_path == o.qmp_path)
        throw ConfigError("--channel and --qmp name the same socket '" + o.qmp_path + "'");
    std::set<std::string> ids;
    for (const auto& netdev : o.netdevs)
        if (!ids.insert(netdev.id).second) throw ConfigError("--netdev id '" + netdev.id + "' is given twice");
    if (o.netdevs.size() > 10) throw ConfigError("at most 10 --netdev backends");
    if (!o.incoming.empty() && o.incoming != "defer") {
        const auto uri = parse_migration_uri(o.incoming);
        if (const auto* error = std::get_if<std::string>(&uri)) throw ConfigError("--incoming " + o.incoming + ": " + *error);
    }
}

std::optional<VmmOptions> parse_command_line(int argc, char** argv) {
    VmmOptions o;
    std::vector<std::string> netdevs, devices;
    std::string vf_filter = "stale", reset = "rehide";
    bool help = false;

    CLI::App app("failover-vmm: the lab VMM", "failover-vmm");
    app.set_help_flag();  // our own --help: CLI11's generated one cannot teach the device syntax
    app.add_flag("-h,--help", help);
    app.add_option("--name", o.name);
    app.add_option("--qmp", o.qmp_path);
    app.add_option("--channel", o.channel_path);
    std::string socket_group;
    app.add_option("--socket-group", socket_group);
    app.add_option("--guest-netns", o.guest_netns);
    app.add_option("--cgroup", o.cgroup);
    app.add_option("--vf-filter", vf_filter);
    app.add_option("--reset-policy", reset);
    app.add_option("--netdev", netdevs)->take_all()->allow_extra_args(false);
    app.add_option("--device", devices)->take_all()->allow_extra_args(false);
    app.add_option("--log-level", o.log_level);
    app.add_option("--incoming", o.incoming);
    app.set_version_flag("--version", "failover-vmm (netfailover) " NF_VERSION);
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForVersion& e) {
        std::cout << e.what() << '\n';
        return std::nullopt;
    } catch (const CLI::ParseError& e) {
        throw ConfigError(e.what() + std::string(" (see failover-vmm --help)"));
    }
    if (help) {
        std::cout << help_text();
        return std::nullopt;
    }

    if (vf_filter == "stale") o.vf_filter = VfFilterPolicy::Stale;
    else if (vf_filter == "while-bound") o.vf_filter = VfFilterPolicy::WhileBound;
    else throw ConfigError("--vf-filter '" + vf_filter + "': expected 'stale' or 'while-bound'");
    if (reset == "rehide") o.reset_policy = device::ResetPolicy::RehidePrimary;
    else if (reset == "qemu") o.reset_policy = device::ResetPolicy::QemuCompatible;
    else throw ConfigError("--reset-policy '" + reset + "': expected 'rehide' or 'qemu'");
    if (app.count("--socket-group")) o.socket_access.group = resolve_group("--socket-group", socket_group);
    for (const auto& text : netdevs) o.netdevs.push_back(parse_netdev(text));
    for (const auto& text : devices) {
        try {
            auto item = parse_keyval(text, "driver");
            if (item.value("driver", "") == kRootPortDriver)
                take_root_port(item, device::MachineTopology{}.root_ports, o.root_port_slots);
            else
                o.devices.push_back(std::move(item));
        } catch (const ConfigError& e) {
            throw ConfigError("--device " + text + ": " + e.what());
        }
    }
    validate(o);
    return o;
}

}  // namespace nf::vmm
