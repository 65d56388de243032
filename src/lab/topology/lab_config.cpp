#include "lab/topology/lab_config.h"

#include <fstream>
#include <iterator>

#include "common/error.h"
#include "common/json_input.h"
#include "lab/topology/lab_config_defaults.h"
#include "lab/topology/subnet.h"

namespace nf::lab {

const HostConfig* LabConfig::find_host(const std::string& name) const {
    for (const auto& host : hosts)
        if (host.name == name) return &host;
    return nullptr;
}

const VmConfig* LabConfig::find_vm(const std::string& name) const {
    for (const auto& vm : vms)
        if (vm.name == name) return &vm;
    return nullptr;
}

// Client and VM addresses are derived from the subnet, so a config that only moves the subnet stays valid.
ClientConfig default_client(const os::IpPrefix& subnet, std::size_t index, std::string name) {
    return ClientConfig{std::move(name), subnet_address(subnet, static_cast<std::uint32_t>(kFirstClientHost + index))};
}

VmConfig default_vm(const os::IpPrefix& subnet, std::size_t index, std::string name, std::string host) {
    VmConfig vm;
    vm.name = std::move(name);
    vm.host = std::move(host);
    vm.mac = MacAddress({0x52, 0x54, 0x00, 0x00, 0x00, static_cast<std::uint8_t>(index + 1)});
    vm.ip = subnet_address(subnet, static_cast<std::uint32_t>(kFirstVmHost + index));
    return vm;
}

LabConfig default_lab_config() {
    LabConfig config;
    config.subnet = os::IpPrefix::parse(kDefaultSubnet);
    config.hosts = {{"hostA"}, {"hostB"}};
    config.clients = {default_client(config.subnet, 0, "client")};
    config.vms = {default_vm(config.subnet, 0, "vm1", "hostA")};
    return config;
}

const char* to_string(VfFilter filter) { return filter == VfFilter::Stale ? "stale" : "moved"; }

const char* vmm_policy(VfFilter filter) { return filter == VfFilter::Stale ? "stale" : "while-bound"; }

// Ordered: the written-out config reads top-down like the docs (prefix first, devices last).
nlohmann::ordered_json to_json(const LabConfig& config) {
    using json = nlohmann::ordered_json;
    json hosts = json::array(), clients = json::array(), vms = json::array();
    for (const auto& host : config.hosts) hosts.push_back({{"name", host.name}});
    for (const auto& client : config.clients) clients.push_back({{"name", client.name}, {"ip", client.ip.to_string()}});
    for (const auto& vm : config.vms) {
        nlohmann::ordered_json primary{{"id", vm.primary.id},
                                       {"driver", vm.primary.driver},
                                       {"bus", vm.primary.bus},
                                       {"ifname", vm.primary.ifname}};
        if (!vm.primary.alias.empty()) primary["alias"] = vm.primary.alias;
        if (vm.primary.random_mac) primary["random_mac"] = true;
        if (vm.primary.slot) primary["slot"] = vm.primary.slot;
        vms.push_back({{"name", vm.name},
                       {"host", vm.host},
                       {"mac", vm.mac.to_string()},
                       {"ip", vm.ip.to_string()},
                       {"standby", {{"id", vm.standby.id}, {"bus", vm.standby.bus}, {"ifname", vm.standby.ifname}}},
                       {"primary", primary}});
    }
    return json{{"prefix", config.prefix},
                {"subnet", config.subnet.to_string()},
                {"hosts", hosts},
                {"clients", clients},
                {"vms", vms},
                {"vf_filter", to_string(config.vf_filter)},
                {"guest", {{"start", config.guest.start}, {"args", config.guest.args}}},
                {"vmm", {{"start", config.vmm.start}}}};
}

LabConfig load_lab_config(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw ConfigError("cannot read lab config '" + file.string() + "'");
    // Total parse: "1e999" or a nesting bomb is a ConfigError naming the field (exit 2), never terminate.
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    const JsonInput json = parse_json_input(text);
    if (!json.value)
        throw ConfigError("lab config '" + file.string() + "' is not valid JSON: " +
                          (json.path.empty() ? std::string() : json.path + ": ") + json.error);
    try {
        return parse_lab_config(*json.value);
    } catch (const ConfigError& e) {
        throw ConfigError("lab config '" + file.string() + "': " + e.what());
    }
}

}  // namespace nf::lab
