// What a LabConfig must mean before anything is created: names fit interface names, addresses sit in the
// subnet and are unique, VMs live on known hosts, device ids can go on a QEMU-style command line.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "common/error.h"
#include "lab/topology/lab_config.h"
#include "lab/topology/lab_config_checks.h"
#include "lab/topology/subnet.h"

namespace nf::lab {
namespace {

bool all_of(const std::string& text, bool (*ok)(char)) { return std::all_of(text.begin(), text.end(), ok); }
bool is_lower_alnum(char c) { return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)); }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }
bool is_id_char(char c) { return is_name_char(c) || c == '.'; }

// Host, client and VM names become parts of namespace and interface names.
void check_name(const std::string& field, const std::string& name) {
    if (name.empty() || name.size() > kMaxNameLength || !std::isalpha(static_cast<unsigned char>(name[0])) ||
        !all_of(name, is_name_char))
        throw ConfigError(field + ": '" + name + "' must be 1-" + std::to_string(kMaxNameLength) +
                          " letters, digits, '_' or '-', starting with a letter");
}

// Device ids and buses go into "--device driver,id=X,bus=Y": no ',' or '='.
void check_id(const std::string& field, const std::string& id) {
    if (id.empty() || id.size() > 32 || !std::isalpha(static_cast<unsigned char>(id[0])) || !all_of(id, is_id_char))
        throw ConfigError(field + ": '" + id + "' must be 1-32 letters, digits, '_', '-' or '.', starting with a letter");
}

void check_ifname(const std::string& field, const std::string& name) {
    if (name.empty() || name.size() > 15 || !all_of(name, is_id_char) || name == "." || name == "..")
        throw ConfigError(field + ": '" + name + "' is not an interface name (1-15 letters, digits, '_', '-', '.')");
}

void check_host_address(const std::string& field, const os::IpPrefix& subnet, const os::IpPrefix& ip,
                        std::map<std::string, std::string>& used) {
    if (ip.family != AF_INET) throw ConfigError(field + ": '" + ip.to_string() + "' is not IPv4");
    if (!in_subnet(subnet, ip.address) || ip.prefix_len != subnet.prefix_len)
        throw ConfigError(field + ": '" + ip.to_string() + "' is not in the lab subnet " + subnet.to_string());
    const auto host_bits = ipv4_to_host_order(ip.address) & ~ipv4_mask(subnet.prefix_len);
    if (host_bits == 0 || host_bits == ~ipv4_mask(subnet.prefix_len))
        throw ConfigError(field + ": '" + ip.address + "' is the network or broadcast address of " + subnet.to_string());
    if (const auto [it, fresh] = used.emplace(ip.address, field); !fresh)
        throw ConfigError(field + ": '" + ip.address + "' is already used by " + it->second);
}

void check_vm(const LabConfig& config, std::size_t i, std::map<std::string, std::string>& addresses,
              std::map<MacAddress, std::string>& macs) {
    const auto& vm = config.vms[i];
    const std::string at = "vms[" + std::to_string(i) + "]";
    check_name(at + ".name", vm.name);
    if (!config.find_host(vm.host)) throw ConfigError(at + ".host: unknown host '" + vm.host + "' (not in hosts[])");
    if (vm.mac.is_zero() || vm.mac.is_multicast())
        throw ConfigError(at + ".mac: '" + vm.mac.to_string() + "' must be a unicast, non-zero MAC");
    if (const auto [it, fresh] = macs.emplace(vm.mac, at + ".mac"); !fresh)
        throw ConfigError(at + ".mac: '" + vm.mac.to_string() + "' is already used by " + it->second);
    check_host_address(at + ".ip", config.subnet, vm.ip, addresses);
    check_id(at + ".standby.id", vm.standby.id);
    check_id(at + ".standby.bus", vm.standby.bus);
    check_ifname(at + ".standby.ifname", vm.standby.ifname);
    check_id(at + ".primary.id", vm.primary.id);
    check_id(at + ".primary.driver", vm.primary.driver);
    check_id(at + ".primary.bus", vm.primary.bus);
    check_ifname(at + ".primary.ifname", vm.primary.ifname);
    if (!vm.primary.alias.empty()) check_id(at + ".primary.alias", vm.primary.alias);
    if (vm.primary.slot != 0) {
        if (vm.primary.slot < 1 || vm.primary.slot > 8191)
            throw ConfigError(at + ".primary.slot: " + std::to_string(vm.primary.slot) + " is not 1..8191 (0: none)");
        if (!vm.primary.bus.starts_with("root") || vm.primary.bus == vm.standby.bus)
            throw ConfigError(at + ".primary.slot: the VF's bus '" + vm.primary.bus +
                              "' must be a root port of its own (root0..root3) to carry a slot number");
    }
    if (vm.primary.id == vm.standby.id)
        throw ConfigError(at + ".primary.id: '" + vm.primary.id + "' is also the standby's id");
    if (vm.primary.ifname == vm.standby.ifname)
        throw ConfigError(at + ".primary.ifname: '" + vm.primary.ifname + "' is also the standby's ifname");
}

}  // namespace

void check_prefix(const std::string& prefix) {
    if (prefix.empty() || prefix.size() > kMaxPrefixLength || !std::islower(static_cast<unsigned char>(prefix[0])) ||
        !all_of(prefix, is_lower_alnum))
        throw ConfigError("prefix: '" + prefix + "' must be 1-" + std::to_string(kMaxPrefixLength) +
                          " lowercase letters or digits, starting with a letter (namespaces are <prefix>-<name>)");
}

void check_subnet(const char* field, const os::IpPrefix& subnet) {
    if (subnet.family != AF_INET) throw ConfigError(std::string(field) + ": '" + subnet.to_string() + "' is not IPv4");
    if (subnet.prefix_len < 8 || subnet.prefix_len > 29)
        throw ConfigError(std::string(field) + ": '" + subnet.to_string() + "' must be a /8 to /29");
    const os::IpPrefix ten{AF_INET, "10.0.0.0", 8};
    if (!in_subnet(ten, subnet.address))
        throw ConfigError(std::string(field) + ": '" + subnet.to_string() + "' must lie inside 10.0.0.0/8");
    if (ipv4_to_host_order(subnet.address) & ~ipv4_mask(subnet.prefix_len))
        throw ConfigError(std::string(field) + ": '" + subnet.to_string() + "' has host bits set (write the network, e.g. 10.77.0.0/24)");
}

void validate_lab_config(const LabConfig& config) {
    check_prefix(config.prefix);
    check_subnet("subnet", config.subnet);
    if (config.hosts.empty()) throw ConfigError("hosts: at least one host is needed");

    // Every host, client and VM is a namespace <prefix>-<name>: names are unique across all three.
    std::map<std::string, std::string> names{{"tor", "the top-of-rack switch"}};
    const auto claim = [&](const std::string& field, const std::string& name) {
        check_name(field, name);
        if (const auto [it, fresh] = names.emplace(name, field); !fresh)
            throw ConfigError(field + ": name '" + name + "' is already used by " + it->second);
    };
    for (std::size_t i = 0; i < config.hosts.size(); ++i)
        claim("hosts[" + std::to_string(i) + "].name", config.hosts[i].name);
    std::map<std::string, std::string> addresses;
    for (std::size_t i = 0; i < config.clients.size(); ++i) {
        const std::string at = "clients[" + std::to_string(i) + "]";
        claim(at + ".name", config.clients[i].name);
        check_host_address(at + ".ip", config.subnet, config.clients[i].ip, addresses);
    }
    std::map<MacAddress, std::string> macs;
    for (std::size_t i = 0; i < config.vms.size(); ++i) {
        claim("vms[" + std::to_string(i) + "].name", config.vms[i].name);
        check_vm(config, i, addresses, macs);
    }
}

}  // namespace nf::lab
