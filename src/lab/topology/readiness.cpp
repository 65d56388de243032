#include "lab/topology/readiness.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <thread>

#include <poll.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/unique_fd.h"
#include "lab/topology/interrupt.h"
#include "os/netns.h"
#include "os/rtnl.h"

namespace nf::lab {

namespace {

UniqueFd connect_unix(const std::filesystem::path& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const auto text = path.string();
    if (text.size() >= sizeof addr.sun_path) throw ConfigError("socket path too long: " + text);
    std::memcpy(addr.sun_path, text.c_str(), text.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("socket(AF_UNIX)");
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return UniqueFd();
    return fd;
}

// The master_ifindex failoverd reports, 0 when it does not answer (yet) or has no master. One request,
// one reply line of at most kMaxReply bytes, within `budget`.
int reported_master_ifindex(const std::filesystem::path& control, std::chrono::milliseconds budget) {
    constexpr std::size_t kMaxReply = 1 << 20;
    UniqueFd fd = connect_unix(control);
    if (!fd) return 0;
    static constexpr char kRequest[] = "{\"cmd\":\"status\"}\n";
    if (::write(fd.get(), kRequest, sizeof kRequest - 1) != static_cast<ssize_t>(sizeof kRequest - 1)) return 0;
    std::string reply;
    const auto deadline = std::chrono::steady_clock::now() + budget;
    while (reply.find('\n') == std::string::npos) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || reply.size() > kMaxReply) return 0;
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return 0;
        char buf[4096];
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n <= 0) return 0;
        reply.append(buf, static_cast<std::size_t>(n));
    }
    const auto doc = nlohmann::json::parse(reply.substr(0, reply.find('\n')), nullptr, /*allow_exceptions=*/false);
    if (!doc.is_object() || !doc.value("ok", false) || !doc.contains("status") || !doc["status"].is_object()) return 0;
    const auto& ifindex = doc["status"]["master_ifindex"];
    return ifindex.is_number_integer() ? ifindex.get<int>() : 0;
}

}  // namespace

bool unix_socket_accepts(const std::filesystem::path& path) {
    return static_cast<bool>(connect_unix(path));
}

void wait_for_unix_socket(const std::filesystem::path& path, std::chrono::milliseconds timeout,
                          const ProcessRecord* owner) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::string whose = owner ? owner->name + " (pid " + std::to_string(owner->pid) + ", log " +
                                          owner->log.string() + ")"
                                    : std::string("its owner");
    for (;;) {
        throw_if_interrupted("the wait for " + path.string());
        if (unix_socket_accepts(path)) return;
        if (owner && !process_alive(*owner))
            throw SystemError(ESRCH, whose + " exited before " + path.string() + " accepted connections");
        if (std::chrono::steady_clock::now() >= deadline)
            throw SystemError(ETIMEDOUT, path.string() + " did not accept connections within " +
                                             std::to_string(timeout.count()) + " ms; waited for " + whose);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

int wait_for_failoverd_master(const std::filesystem::path& control, const std::string& netns, const std::string& ifname,
                              std::chrono::milliseconds timeout, const ProcessRecord* owner) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::string whose = owner ? owner->name + " (pid " + std::to_string(owner->pid) + ", log " +
                                          owner->log.string() + ")"
                                    : std::string("failoverd");
    auto rtnl = os::Rtnl::in(os::Netns::open_named(netns));
    std::string seen = "no answer on " + control.string();
    for (;;) {
        throw_if_interrupted("the wait for failoverd's master '" + ifname + "'");
        if (const int master = reported_master_ifindex(control, std::chrono::milliseconds(500)); master > 0) {
            const auto link = rtnl.find_link(ifname);
            if (link && link->ifindex == master) return master;
            seen = "master #" + std::to_string(master) + ", but '" + ifname + "' in " + netns + " is " +
                   (link ? "#" + std::to_string(link->ifindex) : std::string("absent"));
        } else if (unix_socket_accepts(control)) {
            seen = "answers on " + control.string() + " without a master yet";
        }
        if (owner && !process_alive(*owner))
            throw SystemError(ESRCH, whose + " exited before its master '" + ifname + "' was in place (" + seen + ")");
        if (std::chrono::steady_clock::now() >= deadline)
            throw SystemError(ETIMEDOUT, "failoverd's master '" + ifname + "' not in place within " +
                                             std::to_string(timeout.count()) + " ms (" + seen + "); waited for " + whose);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace nf::lab
