#include "netns_fixture.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <memory>
#include <regex>
#include <stdexcept>

#include "common/error.h"

namespace nf::datapath::test {

std::string sh(const std::string& command) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen((command + " 2>&1").c_str(), "r"), ::pclose);
    if (!pipe) throw std::runtime_error("popen failed: " + command);
    std::string out;
    std::array<char, 4096> buf;
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe.get())) out.append(buf.data(), n);
    int status = ::pclose(pipe.release());
    if (status != 0) throw std::runtime_error("`" + command + "` failed (" + std::to_string(status) + "): " + out);
    return out;
}

std::string unique_tag(const std::string& prefix) {
    static int counter = 0;
    return prefix + std::to_string(::getpid() % 100000) + std::to_string(counter++);
}

int sh_status(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

Netns::Netns(std::string name) : name_(std::move(name)) {
    sh_status("ip netns del " + name_);  // left over from a killed run
    sh("ip netns add " + name_);
    fd_ = UniqueFd(::open(("/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_) throw_errno("open netns " + name_);
    sh(in() + "ip link set lo up");
    sh(in() + "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
}

Netns::~Netns() { sh_status("ip netns del " + name_); }

int Netns::ifindex(const std::string& dev) const {
    auto out = sh("ip -n " + name_ + " -o link show dev " + dev);
    return std::stoi(out);
}

bool Netns::has_carrier(const std::string& dev) const {
    auto out = sh("ip -n " + name_ + " -o link show dev " + dev);
    return out.find("NO-CARRIER") == std::string::npos && out.find("LOWER_UP") != std::string::npos;
}

Topology::Topology(const std::string& tag, bool hidden_slaves)
    : hidden_slaves_(hidden_slaves),
      guest_("nfdp" + tag + "G"),
      private_("nfdp" + tag + "H"),
      primary_peer_("nfdp" + tag + "P"),
      standby_peer_("nfdp" + tag + "S") {}

void Topology::create_slave(Slot slot) {
    Netns& ns = slaves_ns();
    Netns& far = peer(slot);
    auto name = slave_name(slot);
    sh("ip -n " + ns.name() + " link add " + name + " address " + kMasterMac + " type veth peer name eth0 netns " +
       far.name() + " address " + kPeerMac);
    // Keep the slaves' own stack out of the guest's traffic, as the kernel's rx_handler does: strict
    // reverse-path filtering drops what a userspace datapath already forwarded (3dev + packet).
    sh(ns.in() + "sysctl -qw net.ipv4.conf." + name + ".rp_filter=1 net.ipv4.conf." + name + ".arp_ignore=8");
    sh("ip -n " + ns.name() + " link set " + name + " up");
    sh_status("ip -n " + far.name() + " addr flush dev eth0");
    sh("ip -n " + far.name() + " addr add 10.77.0.2/24 dev eth0");
    sh("ip -n " + far.name() + " link set eth0 up");
}

void Topology::delete_slave(Slot slot) { sh("ip -n " + slaves_ns().name() + " link del " + slave_name(slot)); }

SlaveEndpoint Topology::slave(Slot slot) {
    SlaveEndpoint ep;
    ep.name = slave_name(slot);
    ep.ifindex = slaves_ns().ifindex(ep.name);
    ep.mac = *MacAddress::parse(kMasterMac);
    return ep;
}

void Topology::create_veth_master() {
    sh(std::string("ip -n ") + guest_.name() + " link add " + kMasterName + " address " + kMasterMac +
       " type veth peer name " + kMasterPeerName + " netns " + private_.name());
    sh(std::string("ip -n ") + private_.name() + " link set " + kMasterPeerName + " up");
    configure_master(kMasterName);
}

void Topology::configure_master(const std::string& dev) {
    sh("ip -n " + guest_.name() + " link set " + dev + " address " + kMasterMac);
    sh("ip -n " + guest_.name() + " addr add 10.77.0.1/24 dev " + dev);
    sh("ip -n " + guest_.name() + " link set " + dev + " up");
}

void Topology::set_master_peer_up(bool up) {
    sh(std::string("ip -n ") + private_.name() + " link set " + kMasterPeerName + (up ? " up" : " down"));
}

PingResult Topology::ping(int count, double interval_s, int size, double wait_s) {
    char cmd[256];
    std::snprintf(cmd, sizeof cmd, "ping -n -q -c %d -i %.3f -s %d -W %.1f 10.77.0.2; true", count, interval_s, size,
                  wait_s);
    auto out = sh(guest_.in() + cmd);
    PingResult r;
    std::smatch m;
    if (std::regex_search(out, m, std::regex(R"((\d+) packets transmitted, (\d+) received(, \+(\d+) duplicates)?)"))) {
        r.transmitted = std::stoi(m[1]);
        r.received = std::stoi(m[2]);
        if (m[4].matched) r.duplicates = std::stoi(m[4]);
    } else {
        throw std::runtime_error("unexpected ping output: " + out);
    }
    return r;
}

}  // namespace nf::datapath::test
