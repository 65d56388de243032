// Strict JSON → LabConfig over the defaults. Shape checks here; meaning checks in lab_config_checks.cpp.
#include "common/error.h"
#include "lab/topology/json_fields.h"
#include "lab/topology/lab_config.h"
#include "lab/topology/lab_config_checks.h"
#include "lab/topology/lab_config_defaults.h"

namespace nf::lab {
namespace {

std::string element_path(const std::string& array, std::size_t i) { return array + "[" + std::to_string(i) + "]"; }

const nlohmann::json& array_field(JsonFields& fields, const nlohmann::json& value, const char* key) {
    if (!value.is_array()) throw ConfigError(fields.path_of(key) + ": expected an array");
    return value;
}

std::string required_string(JsonFields& fields, const char* key) {
    fields.required(key);
    std::string out;
    fields.read(key, out);
    return out;
}

// A text field that the checks turn into a value later; its path is kept for their messages.
os::IpPrefix parse_ip(const std::string& path, const std::string& text) {
    try {
        return os::IpPrefix::parse(text);
    } catch (const ConfigError& e) {
        throw ConfigError(path + ": " + e.what());
    }
}

// "10.77.0.10" takes the subnet's length; "10.77.0.10/24" must match it (checked later).
os::IpPrefix parse_host_ip(const std::string& path, const std::string& text, const os::IpPrefix& subnet) {
    auto ip = parse_ip(path, text);
    if (text.find('/') == std::string::npos) ip.prefix_len = subnet.prefix_len;
    return ip;
}

MacAddress parse_mac(const std::string& path, const std::string& text) {
    const auto mac = MacAddress::parse(text);
    if (!mac) throw ConfigError(path + ": '" + text + "' is not a MAC address (aa:bb:cc:dd:ee:ff)");
    return *mac;
}

std::vector<HostConfig> parse_hosts(const nlohmann::json& array) {
    std::vector<HostConfig> hosts;
    for (std::size_t i = 0; i < array.size(); ++i) {
        JsonFields fields(array[i], element_path("hosts", i));
        hosts.push_back({required_string(fields, "name")});
        fields.reject_unknown();
    }
    return hosts;
}

std::vector<ClientConfig> parse_clients(const nlohmann::json& array, const os::IpPrefix& subnet) {
    std::vector<ClientConfig> clients;
    for (std::size_t i = 0; i < array.size(); ++i) {
        JsonFields fields(array[i], element_path("clients", i));
        auto client = default_client(subnet, i, required_string(fields, "name"));
        if (fields.has("ip")) client.ip = parse_host_ip(fields.path_of("ip"), required_string(fields, "ip"), subnet);
        fields.reject_unknown();
        clients.push_back(std::move(client));
    }
    return clients;
}

void parse_standby(JsonFields& vm_fields, StandbyConfig& standby) {
    const auto* value = vm_fields.child("standby");
    if (!value) return;
    JsonFields fields(*value, vm_fields.path_of("standby"));
    fields.read("id", standby.id);
    fields.read("bus", standby.bus);
    fields.read("ifname", standby.ifname);
    fields.reject_unknown();
}

void parse_primary(JsonFields& vm_fields, PrimaryConfig& primary) {
    const auto* value = vm_fields.child("primary");
    if (!value) return;
    JsonFields fields(*value, vm_fields.path_of("primary"));
    fields.read("id", primary.id);
    fields.read("driver", primary.driver);
    fields.read("bus", primary.bus);
    fields.read("ifname", primary.ifname);
    fields.read("alias", primary.alias);
    fields.read("random_mac", primary.random_mac);
    fields.read("slot", primary.slot);
    fields.reject_unknown();
}

std::vector<VmConfig> parse_vms(const nlohmann::json& array, const os::IpPrefix& subnet) {
    std::vector<VmConfig> vms;
    for (std::size_t i = 0; i < array.size(); ++i) {
        JsonFields fields(array[i], element_path("vms", i));
        const auto name = required_string(fields, "name");
        auto vm = default_vm(subnet, i, name, required_string(fields, "host"));
        if (fields.has("mac")) vm.mac = parse_mac(fields.path_of("mac"), required_string(fields, "mac"));
        if (fields.has("ip")) vm.ip = parse_host_ip(fields.path_of("ip"), required_string(fields, "ip"), subnet);
        parse_standby(fields, vm.standby);
        parse_primary(fields, vm.primary);
        fields.reject_unknown();
        vms.push_back(std::move(vm));
    }
    return vms;
}

VfFilter parse_vf_filter(const std::string& path, const std::string& text) {
    if (text == "stale") return VfFilter::Stale;
    // "while-bound" is the VMM's name for the moved filter, accepted for configs written before "moved".
    if (text == "moved" || text == "while-bound") return VfFilter::WhileBound;
    throw ConfigError(path + ": '" + text + "' is not one of moved, stale");
}

}  // namespace

LabConfig parse_lab_config(const nlohmann::json& json) {
    JsonFields fields(json, "");
    LabConfig config = default_lab_config();
    fields.read("prefix", config.prefix);
    if (fields.has("subnet")) {
        config.subnet = parse_ip("subnet", required_string(fields, "subnet"));
        check_subnet("subnet", config.subnet);  // before any default address is derived from it
    }

    // Lists replace the default lists whole; the default ones follow a moved subnet.
    if (const auto* value = fields.child("hosts")) config.hosts = parse_hosts(array_field(fields, *value, "hosts"));
    if (const auto* value = fields.child("clients"))
        config.clients = parse_clients(array_field(fields, *value, "clients"), config.subnet);
    else
        for (std::size_t i = 0; i < config.clients.size(); ++i)
            config.clients[i].ip = default_client(config.subnet, i, "").ip;
    if (const auto* value = fields.child("vms"))
        config.vms = parse_vms(array_field(fields, *value, "vms"), config.subnet);
    else
        for (std::size_t i = 0; i < config.vms.size(); ++i) config.vms[i].ip = default_vm(config.subnet, i, "", "").ip;

    if (fields.has("vf_filter")) config.vf_filter = parse_vf_filter("vf_filter", required_string(fields, "vf_filter"));
    if (const auto* value = fields.child("guest")) {
        JsonFields guest(*value, "guest");
        guest.read("start", config.guest.start);
        guest.read("args", config.guest.args);
        guest.reject_unknown();
    }
    if (const auto* value = fields.child("vmm")) {
        JsonFields vmm(*value, "vmm");
        vmm.read("start", config.vmm.start);
        vmm.reject_unknown();
    }
    fields.reject_unknown();
    validate_lab_config(config);
    return config;
}

}  // namespace nf::lab
