#include "guest_lab.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>

#include "../../support/leftovers.h"
#include "os/netns.h"

namespace nf::failoverd::test {

// Returns stdout only: iproute2 may print unrelated diagnostics on stderr (e.g. "Peer netns reference is
// invalid" while another process adds or deletes a namespace), which must not corrupt parsed output.
// stderr goes into the exception when the command fails.
std::string sh(const std::string& command) {
    char err_path[] = "/tmp/nfd-sh-XXXXXX";
    const int err_fd = ::mkstemp(err_path);
    if (err_fd < 0) throw std::runtime_error("mkstemp for: " + command);
    ::close(err_fd);
    std::string output;
    FILE* pipe = ::popen(("{ " + command + "\n} 2>" + err_path).c_str(), "r");
    if (!pipe) {
        ::unlink(err_path);
        throw std::runtime_error("popen: " + command);
    }
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
    const int status = ::pclose(pipe);
    std::ifstream err_file(err_path);
    const std::string errors((std::istreambuf_iterator<char>(err_file)), std::istreambuf_iterator<char>());
    ::unlink(err_path);
    if (status != 0) throw std::runtime_error("`" + command + "` failed: " + output + errors);
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
// <pid>x<counter>: unique among live processes (the 'x' keeps pid 1234 + counter 51 apart from pid 12345 +
// counter 1). At most 10 characters, so that s<tag>nsby (lifecycle_test) fits IFNAMSIZ with a 7-digit pid;
// the counter wraps at 100, which is safe because a process holds at most two labs at a time.
std::string unique_tag() {
    static std::atomic<unsigned> counter{0};
    return std::to_string(::getpid()) + "x" + std::to_string(counter++ % 100);
}

// Our pid is in the name, so a namespace already there is a leftover of a dead process that had our pid.
void fresh_netns(const std::string& name) {
    if (os::Netns::named_exists(name)) os::Netns::remove_named(name);
    os::Netns::create_named(name);
}
}  // namespace

GuestLab::GuestLab(const std::string& prefix)
    : tag_(unique_tag()), guest_(prefix + "-g" + tag_), host_(prefix + "-h" + tag_), master_("m" + tag_) {
    try {
        fresh_netns(guest_);
        fresh_netns(host_);
        struct stat st {};
        if (::stat(("/run/netns/" + guest_).c_str(), &st) != 0) throw std::runtime_error("stat /run/netns/" + guest_);
        guest_inode_ = st.st_ino;
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

// Runs from the fixtures' TearDown (they reset the lab there), after the daemons are gone: anything still
// named after the tag is a leak of the test or of failoverd, and fails the test (then it is swept away).
GuestLab::~GuestLab() {
    remove();
    const auto left = nf::test::leftovers(tag_);
    if (!left.empty()) {
        ADD_FAILURE() << "lab " << tag_ << " leaked (still present after teardown):" << nf::test::describe(left);
        nf::test::sweep(left);
    }
}

void GuestLab::remove() {
    for (const std::string& ns : {guest_, host_, private_netns()}) {
        try {
            os::Netns::remove_named(ns);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "removing namespace " << ns << ": " << e.what();
        }
    }
    std::error_code ec;
    // The owner lock stays after a SIGKILL (the kernel drops the lock, not the file).
    for (const std::string& path : {pin_dir(master_), state_file(master_), control(),
                                    "/run/netfailover/" + key(master_) + ".lock"})
        std::filesystem::remove_all(path, ec);
}

void GuestLab::add_primary(const std::string& host_end) {
    // The host end's ifindex is set apart from the guest end's: when a veth's ifindex equals its peer's
    // (easy across namespaces: the 2-device model's holder shifts the guest's numbers onto the host's),
    // linkwatch reports its carrier late (docs/bench.md, Notes), and the bridge keeps the new port
    // disabled for up to 1 s after failoverd already uses it.
    sh(in_host("link add " + host_end + " index " + std::to_string(100 + primaries_added_++) + " type veth peer name pr0 netns " +
               guest_ + " address " + kGuestMac));
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
