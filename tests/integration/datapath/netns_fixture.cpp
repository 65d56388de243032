#include "netns_fixture.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <regex>
#include <stdexcept>
#include <thread>

#include "../../support/leftovers.h"
#include "common/error.h"

namespace nf::datapath::test {

// Returns stdout only: iproute2 may print unrelated diagnostics on stderr (e.g. "Peer netns reference is
// invalid" while another process adds or deletes a namespace), which must not corrupt parsed output.
// stderr goes into the exception when the command fails.
std::string sh(const std::string& command) {
    char err_path[] = "/tmp/nfdp-sh-XXXXXX";
    const int err_fd = ::mkstemp(err_path);
    if (err_fd < 0) throw_errno("mkstemp for: " + command);
    ::close(err_fd);
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(("{ " + command + "\n} 2>" + err_path).c_str(), "r"), ::pclose);
    if (!pipe) {
        ::unlink(err_path);
        throw std::runtime_error("popen failed: " + command);
    }
    std::string out;
    std::array<char, 4096> buf;
    while (std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe.get())) out.append(buf.data(), n);
    int status = ::pclose(pipe.release());
    std::ifstream err_file(err_path);
    const std::string errors((std::istreambuf_iterator<char>(err_file)), std::istreambuf_iterator<char>());
    ::unlink(err_path);
    if (status != 0)
        throw std::runtime_error("`" + command + "` failed (" + std::to_string(status) + "): " + out + errors);
    return out;
}

std::string unique_tag(const std::string& prefix) {
    // <prefix><pid>x<counter>: the 'x' keeps pid 1234 + counter 51 apart from pid 12345 + counter 1.
    static std::atomic<unsigned> counter{0};
    return prefix + std::to_string(::getpid()) + "x" + std::to_string(counter++);
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return condition();
}

void expect_no_leftovers(const std::string& tag) {
    const auto left = nf::test::leftovers(tag);
    if (left.empty()) return;
    ADD_FAILURE() << "fixture " << tag << " leaked (still present after teardown):" << nf::test::describe(left);
    nf::test::sweep(left);
}

int sh_status(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()); }

namespace {
// Names carry our pid (unique_tag), so one already there is a leftover of a dead process that had our pid;
// never anyone else's live namespace.
os::Netns fresh_netns(const std::string& name) {
    if (os::Netns::named_exists(name)) os::Netns::remove_named(name);
    return os::Netns::create_named(name);
}
}  // namespace

Netns::Netns(std::string name) : name_(std::move(name)), ns_(fresh_netns(name_)) {
    try {
        sh(in() + "ip link set lo up");
        sh(in() + "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1");
    } catch (...) {
        os::Netns::remove_named(name_);
        throw;
    }
}

Netns::~Netns() {
    try {
        os::Netns::remove_named(name_);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "removing namespace " << name_ << ": " << e.what();
    }
}

int Netns::ifindex(const std::string& dev) const {
    auto out = sh("ip -n " + name_ + " -o link show dev " + dev);
    try {
        return std::stoi(out);
    } catch (const std::exception&) {
        throw std::runtime_error("no ifindex for " + dev + " in " + name_ + ": '" + out + "'");
    }
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
