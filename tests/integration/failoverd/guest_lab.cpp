#include "guest_lab.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <thread>

namespace nf::failoverd::test {

std::string sh(const std::string& command) {
    std::string output;
    FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe) throw std::runtime_error("popen: " + command);
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    const int status = ::pclose(pipe);
    if (status != 0) throw std::runtime_error("`" + command + "` failed: " + output);
    return output;
}

int sh_status(const std::string& command) {
    const int status = std::system((command + " >/dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
}

namespace {
std::string unique_tag() {
    static std::atomic<int> counter{0};
    return std::to_string(::getpid() % 100000) + std::to_string(counter++);
}
}  // namespace

GuestLab::GuestLab(const std::string& prefix)
    : tag_(unique_tag()), guest_(prefix + "-g" + tag_), host_(prefix + "-h" + tag_), master_("m" + tag_) {
    try {
        sh("ip netns add " + guest_);
        sh("ip netns add " + host_);
        sh(in_guest("link set lo up"));
        // A fixed MAC: a bridge takes its lowest port MAC otherwise, and would change it when a port goes.
        sh(in_host("link add br0 address 02:00:00:77:00:01 type bridge"));
        sh(in_host("addr add " + std::string(kHostIp) + "/24 dev br0"));
        sh(in_host("link set br0 up"));
        sh(in_host("link add sbh type veth peer name sb0 netns " + guest_ + " address " + kGuestMac));
        sh(in_host("link set sbh master br0"));
        sh(in_host("link set sbh up"));
        sh(in_guest("link set sb0 up"));
        add_primary();
    } catch (...) {
        remove();
        throw;
    }
}

GuestLab::~GuestLab() { remove(); }

void GuestLab::remove() {
    sh_status("ip netns del " + guest_);
    sh_status("ip netns del " + host_);
    sh_status("ip netns del " + private_netns());
    sh_status("rm -rf /sys/fs/bpf/netfailover/" + master_ + " /run/netfailover/" + master_ + ".state /run/netfailover/" +
              master_ + ".sock");
}

void GuestLab::add_primary(const std::string& host_end) {
    sh(in_host("link add " + host_end + " type veth peer name pr0 netns " + guest_ + " address " + kGuestMac));
    sh(in_host("link set " + host_end + " master br0"));
    sh(in_host("link set " + host_end + " up"));
    // Racy by nature: failoverd (hidden model) may already have taken pr0 out of the guest, and opens it.
    sh_status(in_guest("link set pr0 up"));
}

void GuestLab::delete_primary(const std::string& host_end) { sh(in_host("link del " + host_end)); }

void GuestLab::configure_master_ip() { sh(in_guest("addr add 10.77.0.2/24 dev " + master_)); }

bool GuestLab::ping(int count) const {
    return sh_status(exec_guest("ping -c " + std::to_string(count) + " -i 0.1 -W 1 " + kHostIp)) == 0;
}

bool GuestLab::link_exists(const std::string& ns, const std::string& name) const {
    return sh_status("ip -n " + ns + " link show dev " + name) == 0;
}

std::string GuestLab::link_json(const std::string& ns, const std::string& name) const {
    return sh("ip -j -n " + ns + " -d link show dev " + name);
}

}  // namespace nf::failoverd::test
