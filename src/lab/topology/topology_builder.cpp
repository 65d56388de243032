#include "lab/topology/topology_builder.h"

#include <spdlog/spdlog.h>

#include "lab/topology/lab_names.h"
#include "os/cgroup.h"
#include "os/netns.h"
#include "os/rtnl.h"
#include "os/sysctl.h"

namespace nf::lab {
namespace {

// IPv6 noise that would disturb measurements: the standby, the VF and the failover master share one MAC,
// so their EUI-64 link-locals collide and DAD would flag them (and delay every address by ~1 s); router
// solicitations and SLAAC add stray frames at each link up. Set as defaults before any link exists, so
// every link later made in or moved into the namespace inherits them. IPv6 itself stays on (NA tests).
void quiet_ipv6(const os::Netns& netns) {
    for (const char* scope : {"all", "default"}) {
        const std::string base = std::string("net.ipv6.conf.") + scope + ".";
        os::write_sysctl(netns, base + "accept_dad", "0");
        os::write_sysctl(netns, base + "dad_transmits", "0");
        os::write_sysctl(netns, base + "accept_ra", "0");
        os::write_sysctl(netns, base + "autoconf", "0");
        os::write_sysctl(netns, base + "router_solicitations", "0");
    }
}

os::Netns make_namespace(const std::string& name) {
    const bool existed = os::Netns::named_exists(name);
    auto netns = os::Netns::create_named(name);
    if (!existed) {
        spdlog::debug("created netns {}", name);
        quiet_ipv6(netns);
        os::Rtnl::in(netns).set_up("lo");
    }
    return netns;
}

// Bridges and their ports carry frames, never their own IPv6 traffic: no link-local (addrgenmode none).
void make_bridge(os::Rtnl& rtnl, const std::string& name) {
    if (!rtnl.find_link(name)) {
        rtnl.create_bridge(name);
        rtnl.set_addrgenmode_none(name);
    }
    rtnl.set_up(name);
}

void make_port(os::Rtnl& rtnl, const std::string& port, const std::string& bridge) {
    const auto info = rtnl.link(port);
    if (!info.admin_up) rtnl.set_addrgenmode_none(port);  // while down: no link-local is made at all
    if (info.master != rtnl.ifindex(bridge)) rtnl.set_master(port, bridge);
    rtnl.set_up(port);
}

// A veth from `side_a` (in `rtnl_a`'s namespace) to `side_b` in `netns_b`. A pair is whole only with both
// ends in place: a lone end (its peer in a namespace that is being destroyed, the kernel does that
// asynchronously) is deleted and the pair made anew.
void make_veth(os::Rtnl& rtnl_a, const std::string& side_a, const os::Netns& netns_b, const std::string& side_b) {
    auto rtnl_b = os::Rtnl::in(netns_b);
    const bool have_a = rtnl_a.find_link(side_a).has_value();
    const bool have_b = rtnl_b.find_link(side_b).has_value();
    if (have_a && have_b) return;
    if (have_a) rtnl_a.delete_link(side_a);
    if (have_b) rtnl_b.delete_link(side_b);
    os::VethOptions options;
    options.peer_netns = &netns_b;
    rtnl_a.create_veth(side_a, side_b, options);
}

void add_address_once(os::Rtnl& rtnl, const std::string& link, const os::IpPrefix& ip) {
    for (const auto& existing : rtnl.addresses(link))
        if (existing == ip) return;
    rtnl.add_address(link, ip);
}

void build_host(const LabNames& names, const HostConfig& host, os::Rtnl& tor_rtnl) {
    const auto netns = make_namespace(names.netns(host.name));
    auto rtnl = os::Rtnl::in(netns);
    make_bridge(rtnl, kHostBridge);
    const auto tor_port = LabNames::tor_port_for_host(host.name);
    make_veth(tor_rtnl, tor_port, netns, kHostUplink);
    make_port(tor_rtnl, tor_port, kTorBridge);
    make_port(rtnl, kHostUplink, kHostBridge);
}

void build_client(const LabNames& names, const ClientConfig& client, os::Rtnl& tor_rtnl) {
    const auto netns = make_namespace(names.netns(client.name));
    auto rtnl = os::Rtnl::in(netns);
    const auto tor_port = LabNames::tor_port_for_client(client.name);
    make_veth(tor_rtnl, tor_port, netns, kClientLink);
    make_port(tor_rtnl, tor_port, kTorBridge);
    add_address_once(rtnl, kClientLink, client.ip);
    rtnl.set_up(kClientLink);
}

// The VF pair stays in the host: the VMM moves vf-<vm>g into the VM on plug. Its MAC is the VM's (a VF's
// MAC is set by the host admin, `ip link set PF vf N mac ...`). It is left down: not bound to a driver yet.
// Every host has one for every VM, as every host's NIC has VFs: the one on the VM's host is plugged at
// start, the others wait for a migration to that host (`failover-lab migrate`), hidden in the destination
// VMM until the guest's standby state arrives.
// The port's ifindex is set apart (kVfPortIfindex + the VM's position) from any the VF gets in the guest: when
// a veth's ifindex equals its peer's, linkwatch takes its carrier change as non-urgent and reports it up to
// 1 s late (docs/bench.md, Notes), so the switch port stayed disabled for a while after the guest already
// sent through its VF (seen after re-plugs and migrations, depending on which numbers were free in the VM).
constexpr int kVfPortIfindex = 1000;

void build_vf(const LabNames& names, const VmConfig& vm, std::size_t vm_position, const HostConfig& host_config) {
    const auto host = os::Netns::open_named(names.netns(host_config.name));
    auto rtnl = os::Rtnl::in(host);
    const auto port = LabNames::vf_port(vm.name);
    if (!rtnl.find_link(port)) {
        os::VethOptions options;
        options.ifindex = kVfPortIfindex + static_cast<int>(vm_position);
        if (!vm.primary.random_mac) options.peer_mac = vm.mac;  // a trusted VF keeps the kernel's random one
        rtnl.create_veth(port, LabNames::vf_netdev(vm.name), options);
    }
    make_port(rtnl, port, kHostBridge);
}

void build_vm(const LabNames& names, const LabConfig& config, std::size_t position) {
    const VmConfig& vm = config.vms[position];
    make_namespace(names.netns(vm.name));
    for (const auto& host : config.hosts) build_vf(names, vm, position, host);
    os::Cgroup2::create(names.vm_cgroup(vm.name));
    os::Cgroup2::create(names.vmm_cgroup(vm.name));
}

}  // namespace

void build_topology(const LabConfig& config) {
    const LabNames names(config.prefix);
    os::Cgroup2::create(kCgroupRoot);
    os::Cgroup2::create(names.cgroup_group());

    const auto tor = make_namespace(names.tor_netns());
    auto tor_rtnl = os::Rtnl::in(tor);
    make_bridge(tor_rtnl, kTorBridge);
    for (const auto& host : config.hosts) build_host(names, host, tor_rtnl);
    for (const auto& client : config.clients) build_client(names, client, tor_rtnl);
    for (std::size_t i = 0; i < config.vms.size(); ++i) build_vm(names, config, i);
}

}  // namespace nf::lab
