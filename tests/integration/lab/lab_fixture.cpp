#include "lab_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>

#include "common/error.h"
#include "common/unique_fd.h"
#include "lab/topology/lab_names.h"
#include "os/cgroup.h"
#include "os/netns.h"

namespace nf::lab::testing {

std::string test_prefix() { return "nflt" + std::to_string(::getpid() % 10000); }

LabConfig test_config() {
    auto json = nlohmann::json{{"prefix", test_prefix()}, {"subnet", "10.79.0.0/24"},
                               {"vmm", {{"start", false}}}, {"guest", {{"start", false}}}};
    return parse_lab_config(json);
}

ScopedLab::ScopedLab(std::string prefix) : prefix_(std::move(prefix)) { lab_down(prefix_); }

ScopedLab::~ScopedLab() {
    try {
        lab_down(prefix_);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "teardown of lab " << prefix_ << ": " << e.what();
    }
}

::testing::AssertionResult lab_is_gone(const std::string& prefix) {
    const LabNames names(prefix);
    if (const auto left = lab_namespaces(prefix); !left.empty())
        return ::testing::AssertionFailure() << "namespace " << left.front() << " is left";
    const auto group = os::Cgroup2::mount_point() / names.cgroup_group();
    if (std::filesystem::exists(group)) return ::testing::AssertionFailure() << "cgroup " << group << " is left";
    if (std::filesystem::exists(names.run_dir()))
        return ::testing::AssertionFailure() << "run dir " << names.run_dir() << " is left";
    return ::testing::AssertionSuccess();
}

namespace {

// A UDP socket made inside `netns` stays there after we leave it.
UniqueFd udp_socket_in(const std::string& netns) {
    const auto ns = os::Netns::open_named(netns);
    os::NetnsScope scope(ns);
    UniqueFd fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("udp socket in " + netns);
    return fd;
}

sockaddr_in address(const std::string& ip, unsigned short port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    ::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
    return addr;
}

}  // namespace

std::string udp_roundtrip(const std::string& from_netns, const std::string& to_netns, const std::string& to_ip,
                          unsigned short port, const std::string& payload, std::chrono::milliseconds timeout) {
    const auto receiver = udp_socket_in(to_netns);
    const auto to = address(to_ip, port);
    if (::bind(receiver.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0)
        throw_errno("bind " + to_ip + " in " + to_netns);
    const timeval slice{0, 100'000};
    ::setsockopt(receiver.get(), SOL_SOCKET, SO_RCVTIMEO, &slice, sizeof slice);
    const auto sender = udp_socket_in(from_netns);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        ::sendto(sender.get(), payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
        char buf[256];
        const auto n = ::recv(receiver.get(), buf, sizeof buf, 0);
        if (n > 0) return std::string(buf, static_cast<std::size_t>(n));
    }
    return "";
}

}  // namespace nf::lab::testing
