#include "net/topology.h"

#include <filesystem>

#include "net/shell.h"

namespace nf::bench {

TopologyOptions topology_for(const std::string& datapath_name, char tag_letter, FarSide far, bool external_master) {
    TopologyOptions o;
    o.tag = std::string(1, tag_letter) + datapath_name.substr(0, 1) + datapath_name.substr(datapath_name.find('-') + 1, 1);
    o.kind = datapath_name.starts_with("bpf") ? MasterKind::bpf : MasterKind::packet;
    o.model = datapath_name.ends_with("hidden") ? Model::hidden
              : datapath_name.ends_with("2dev")  ? Model::two_dev
                                                 : Model::three_dev;
    o.far = far;
    o.external_master = external_master;
    return o;
}

BenchNetns::BenchNetns(std::string name) : name_(std::move(name)) {
    sh_status("ip netns del " + name_);  // left over from a killed run
    sh("ip netns add " + name_);
    netns_.emplace(os::Netns::open_named(name_));
    sh(in() + "ip link set lo up");
    // No IPv6: its router solicitations and MLD reports would move the bridge's FDB entries on their own.
    sh(in() + "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
}

BenchNetns::~BenchNetns() { sh_status("ip netns del " + name_); }

int BenchNetns::ifindex(const std::string& dev) const {
    return std::stoi(sh("ip -n " + name_ + " -o link show dev " + dev));
}

BareVeth::BareVeth(const std::string& tag) : a_("nfb-" + tag + "-A"), b_("nfb-" + tag + "-B") {
    sh("ip -n " + a_.name() + " link add eth0 address " + kMasterMac + " type veth peer name eth0 netns " + b_.name() +
       " address " + kFarMac);
    sh("ip -n " + a_.name() + " addr add " + kGuestIp + "/24 dev eth0");
    sh("ip -n " + b_.name() + " addr add " + kFarIp + "/24 dev eth0");
    sh("ip -n " + a_.name() + " link set eth0 up");
    sh("ip -n " + b_.name() + " link set eth0 up");
    sh("ip -n " + a_.name() + " neigh replace " + kFarIp + " lladdr " + kFarMac + " dev eth0 nud permanent");
    sh("ip -n " + b_.name() + " neigh replace " + kGuestIp + " lladdr " + kMasterMac + " dev eth0 nud permanent");
}

std::string to_string(MasterKind kind) { return kind == MasterKind::bpf ? "bpf" : "packet"; }
std::string to_string(Model model) {
    return model == Model::hidden ? "hidden" : model == Model::two_dev ? "2dev" : "3dev";
}

FailoverTopology::FailoverTopology(TopologyOptions options)
    : options_(std::move(options)),
      guest_("nfb-" + options_.tag + "-G"),
      hidden_("nfb-" + options_.tag + "-H") {
    const std::string p = "nfb-" + options_.tag + "-";
    if (options_.far == FarSide::peers) {
        primary_peer_.emplace(p + "P");
        standby_peer_.emplace(p + "S");
    } else {
        host_.emplace(p + "N");
        client_.emplace(p + "C");
        const std::string n = "ip -n " + host_->name() + " ";
        sh(n + "link add " + kBridgeName + " type bridge");  // learning, no STP: ports forward at once
        sh(n + "link set " + kBridgeName + " up");
        sh(n + "link add nfbcl-h type veth peer name eth0 netns " + client_->name() + " address " + kFarMac);
        sh(n + "link set nfbcl-h master " + kBridgeName);
        sh(n + "link set nfbcl-h up");
        sh("ip -n " + client_->name() + " addr add " + kFarIp + "/24 dev eth0");
        sh("ip -n " + client_->name() + " link set eth0 up");
        sh("ip -n " + client_->name() + " neigh replace " + kGuestIp + " lladdr " + kMasterMac +
           " dev eth0 nud permanent");
    }
    // Slaves are created after these defaults, and a re-plugged primary inherits them: strict reverse-path
    // filtering keeps the slaves' own stack from delivering what a userspace datapath already forwarded.
    sh(slaves_ns().in() +
       "sysctl -qw net.ipv4.conf.default.rp_filter=1 net.ipv4.conf.default.arp_ignore=8");
    create_primary();
    create_slave(datapath::Slot::standby);
    if (options_.kind == MasterKind::bpf && !options_.external_master && options_.model != Model::two_dev)
        create_veth_master();
}

FailoverTopology::~FailoverTopology() {
    std::error_code ec;
    std::filesystem::remove_all(pin_dir(), ec);
    std::filesystem::remove("/sys/fs/bpf/nfb", ec);  // only when empty: another topology may still use it
}

void FailoverTopology::create_primary() { create_slave(datapath::Slot::primary); }

void FailoverTopology::delete_primary() {
    sh("ip -n " + primary_far_ns().name() + " link del " + primary_far_name());
}

void FailoverTopology::create_slave(datapath::Slot slot) {
    const bool primary = slot == datapath::Slot::primary;
    const std::string name = primary ? kPrimaryName : kStandbyName;
    BenchNetns& far_ns = primary ? primary_far_ns() : standby_far_ns();
    if (options_.far == FarSide::peers) {
        // The far end's ifindex is set apart from the slave's: when a veth's ifindex equals its iflink (the
        // peer's ifindex, in another namespace) linkwatch treats its carrier change as non-urgent and
        // reports it up to 1 s late (seen on this kernel; the same holds for a physical VF).
        sh("ip -n " + far_ns.name() + " link add eth0 index " + std::string(primary ? "101" : "102") + " address " +
           kFarMac + " type veth peer name " + name +
           " netns " + slaves_ns().name() + " address " + kMasterMac);
        sh("ip -n " + far_ns.name() + " addr add " + kFarIp + "/24 dev eth0");
        sh("ip -n " + far_ns.name() + " link set eth0 up");
        sh("ip -n " + far_ns.name() + " neigh replace " + kGuestIp + " lladdr " + kMasterMac +
           " dev eth0 nud permanent");
    } else {
        const std::string far = primary ? kPrimaryHostName : kStandbyHostName;
        const std::string n = "ip -n " + far_ns.name() + " ";
        sh(n + "link add " + far + " index " + std::string(primary ? "111" : "112") + " type veth peer name " + name +
           " netns " + slaves_ns().name() + " address " +
           kMasterMac);
        sh(n + "link set " + far + " master " + kBridgeName);
        sh(n + "link set " + far + " up");
    }
    // The slave end is brought up by whoever drives the master (the in-process loop or failoverd), as
    // a guest driver would; at creation time nobody drives yet, so bring it up here.
    sh("ip -n " + slaves_ns().name() + " link set " + name + " up");
}

datapath::SlaveEndpoint FailoverTopology::slave(datapath::Slot slot) {
    datapath::SlaveEndpoint ep;
    ep.name = slot == datapath::Slot::primary ? kPrimaryName : kStandbyName;
    ep.ifindex = slaves_ns().ifindex(ep.name);
    ep.mac = *MacAddress::parse(kMasterMac);
    return ep;
}

void FailoverTopology::create_veth_master() {
    sh(std::string("ip -n ") + guest_.name() + " link add " + kMasterName + " address " + kMasterMac +
       " type veth peer name " + kMasterPeerName + " netns " + hidden_.name());
    sh(std::string("ip -n ") + hidden_.name() + " link set " + kMasterPeerName + " up");
}

void FailoverTopology::configure_master() {
    const std::string m = master_name();
    const std::string g = "ip -n " + guest_.name() + " ";
    if (!options_.external_master) sh(g + "link set " + m + " address " + kMasterMac);
    // The master answers like any NIC (the slaves' defaults above are for the slaves only).
    sh(guest_.in() + "sysctl -qw net.ipv4.conf." + m + ".rp_filter=0 net.ipv4.conf." + m + ".arp_ignore=0");
    sh(g + "addr add " + kGuestIp + "/24 dev " + m);
    sh(g + "link set " + m + " up");
    sh(g + "neigh replace " + kFarIp + " lladdr " + kFarMac + " dev " + m + " nud permanent");
}

}  // namespace nf::bench
