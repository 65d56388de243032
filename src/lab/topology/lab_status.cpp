#include <algorithm>
#include <sstream>

#include "lab/topology/lab.h"
#include "lab/topology/lab_names.h"
#include "os/cgroup.h"

namespace nf::lab {
namespace {

using nlohmann::json;

json namespace_json(const LabStatus& status, const std::string& name) {
    const bool alive = std::find(status.namespaces.begin(), status.namespaces.end(), name) != status.namespaces.end();
    return {{"netns", name}, {"alive", alive}};
}

json process_json(const LabState& state, const std::string& name) {
    const auto* process = state.find_process(name);
    if (!process) return nullptr;
    return {{"pid", process->pid}, {"alive", process_alive(*process)}, {"log", process->log.string()}};
}

json vm_json(const LabStatus& status, const VmConfig& vm) {
    const auto& state = *status.state;
    const LabNames names(status.prefix);
    const auto placement = state.placement(vm);
    json out = namespace_json(status, names.netns(vm.name));
    out.update({{"name", vm.name},
                {"host", placement.host},            // where its VMM runs now (moved by `failover-lab migrate`)
                {"home_host", vm.host},              // where the config put it
                {"host_netns", names.netns(placement.host)},
                {"mac", vm.mac.to_string()},
                {"ip", vm.ip.to_string()},
                {"qmp", placement.qmp.string()},
                {"channel", names.channel_socket(vm.name).string()},
                {"failoverd_control", names.failoverd_control(vm.name).string()},
                {"cgroup", (os::Cgroup2::mount_point() / names.vm_cgroup(vm.name)).string()},
                {"standby_id", vm.standby.id},
                {"primary_id", vm.primary.id},
                {"standby_ifname", vm.standby.ifname},
                {"primary_ifname", vm.primary.ifname},
                {"vf", {{"port", LabNames::vf_port(vm.name)}, {"netdev", LabNames::vf_netdev(vm.name)}}},
                {"vmm", process_json(state, "vmm-" + vm.name)},
                {"guest", process_json(state, "guest-" + vm.name)}});
    return out;
}

// Namespaces named like the lab's but not in its config (or every one of them when there is no state).
json stray_namespaces(const LabStatus& status) {
    json out = json::array();
    const LabNames names(status.prefix);
    for (const auto& netns : status.namespaces) {
        bool known = false;
        if (status.state) {
            const auto& config = status.state->config;
            known = netns == names.tor_netns();
            for (const auto& h : config.hosts) known = known || netns == names.netns(h.name);
            for (const auto& c : config.clients) known = known || netns == names.netns(c.name);
            for (const auto& v : config.vms) known = known || netns == names.netns(v.name);
        }
        if (!known) out.push_back(netns);
    }
    return out;
}

}  // namespace

LabStatus lab_status(const std::string& prefix) {
    LabStatus status{prefix, load_lab_state(prefix), lab_namespaces(prefix), lab_cgroups(prefix)};
    return status;
}

json to_json(const LabStatus& status) {
    const LabNames names(status.prefix);
    json out{{"prefix", status.prefix},
             {"up", status.state.has_value()},
             {"state_file", names.state_file().string()},
             {"cgroups", status.cgroups},
             {"stray_namespaces", stray_namespaces(status)}};
    if (!status.state) return out;
    const auto& state = *status.state;
    const auto& config = state.config;
    json tor = namespace_json(status, names.tor_netns());
    tor["bridge"] = kTorBridge;
    json hosts = json::array(), clients = json::array(), vms = json::array(), processes = json::array();
    for (const auto& host : config.hosts) {
        json h = namespace_json(status, names.netns(host.name));
        h.update({{"name", host.name}, {"bridge", kHostBridge}, {"uplink", kHostUplink},
                  {"tor_port", LabNames::tor_port_for_host(host.name)}});
        hosts.push_back(h);
    }
    for (const auto& client : config.clients) {
        json c = namespace_json(status, names.netns(client.name));
        c.update({{"name", client.name}, {"ip", client.ip.to_string()}, {"link", kClientLink},
                  {"tor_port", LabNames::tor_port_for_client(client.name)}});
        clients.push_back(c);
    }
    for (const auto& vm : config.vms) vms.push_back(vm_json(status, vm));
    for (const auto& process : state.processes) {
        json p = to_json(process);
        p["alive"] = process_alive(process);
        processes.push_back(p);
    }
    out.update({{"subnet", config.subnet.to_string()},
                {"vf_filter", to_string(config.vf_filter)},
                {"tor", tor},
                {"hosts", hosts},
                {"clients", clients},
                {"vms", vms},
                {"processes", processes},
                {"config", to_json(config)}});
    return out;
}

std::string to_text(const LabStatus& status) {
    const json j = to_json(status);
    std::ostringstream out;
    const auto alive = [](const json& item) { return item.value("alive", false) ? "up" : "MISSING"; };
    if (!status.state) {
        out << "lab '" << status.prefix << "': down (no " << j["state_file"].get<std::string>() << ")\n";
        if (!status.namespaces.empty() || !status.cgroups.empty())
            out << "  leftovers: " << status.namespaces.size() << " namespace(s), " << status.cgroups.size()
                << " cgroup(s); `failover-lab down --prefix " << status.prefix << "` removes them\n";
        return out.str();
    }
    out << "lab '" << status.prefix << "': up, subnet " << j["subnet"].get<std::string>() << ", vf-filter "
        << j["vf_filter"].get<std::string>() << "\n";
    out << "  tor     " << j["tor"]["netns"].get<std::string>() << " [" << alive(j["tor"]) << "] bridge tor0\n";
    for (const auto& h : j["hosts"])
        out << "  host    " << h["netns"].get<std::string>() << " [" << alive(h) << "] esw0, uplink up0 <-> tor0:"
            << h["tor_port"].get<std::string>() << "\n";
    for (const auto& c : j["clients"])
        out << "  client  " << c["netns"].get<std::string>() << " [" << alive(c) << "] eth0 "
            << c["ip"].get<std::string>() << "\n";
    for (const auto& v : j["vms"]) {
        out << "  vm      " << v["netns"].get<std::string>() << " [" << alive(v) << "] on "
            << v["host"].get<std::string>()
            << (v["host"] == v["home_host"] ? "" : " (migrated from " + v["home_host"].get<std::string>() + ")") << ", mac " << v["mac"].get<std::string>() << ", ip "
            << v["ip"].get<std::string>() << "\n"
            << "          standby " << v["standby_id"].get<std::string>() << " (" << v["standby_ifname"].get<std::string>()
            << "), primary " << v["primary_id"].get<std::string>() << " (" << v["primary_ifname"].get<std::string>()
            << ", VF " << v["vf"]["netdev"].get<std::string>() << ")\n"
            << "          qmp " << v["qmp"].get<std::string>() << "\n";
    }
    for (const auto& p : j["processes"])
        out << "  process " << p["name"].get<std::string>() << " pid " << p["pid"].get<int>() << " ["
            << (p["alive"].get<bool>() ? "running" : "DEAD") << "] log " << p["log"].get<std::string>() << "\n";
    for (const auto& s : j["stray_namespaces"]) out << "  stray netns " << s.get<std::string>() << "\n";
    return out.str();
}

}  // namespace nf::lab
