#include "helper.h"

#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <vector>

#include "common/error.h"

namespace nf::netpass::cmd {

std::vector<Control> ControlInput::read() {
    std::vector<Control> out;
    if (eof_) return out;
    char buf[512];
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return out;
    if (n <= 0) {
        eof_ = true;
        out.push_back(Control::Eof);
        return out;
    }
    lines_.append(std::string_view(buf, static_cast<std::size_t>(n)));
    while (auto line = lines_.next()) {
        if (line->oversized) {
            out.push_back(Control::Unknown);
            continue;
        }
        if (line->text == "arm") out.push_back(Control::Arm);
        else if (line->text == "resumed") out.push_back(Control::Resumed);
        else if (line->text == "abort") out.push_back(Control::Abort);
        else if (!line->text.empty()) out.push_back(Control::Unknown);
    }
    return out;
}

void report(const nlohmann::json& line) {
    std::cout << line.dump() << '\n' << std::flush;
}

UniqueFd signal_fd() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) throw_errno("sigprocmask");
    ::signal(SIGPIPE, SIG_IGN);  // a peer gone shows as EPIPE
    UniqueFd fd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd) throw_errno("signalfd");
    return fd;
}

Endpoint parse_endpoint(const std::string& text) {
    const auto colon = text.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
        throw ConfigError("'" + text + "' is not HOST:PORT");
    Endpoint e;
    e.host = text.substr(0, colon);
    if (e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
    const std::string port = text.substr(colon + 1);
    if (port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos || std::stoul(port) > 65535)
        throw ConfigError("'" + text + "': port must be 0..65535");
    e.port = static_cast<std::uint16_t>(std::stoul(port));
    in6_addr a6{};
    in_addr a4{};
    if (::inet_pton(AF_INET, e.host.c_str(), &a4) != 1 && ::inet_pton(AF_INET6, e.host.c_str(), &a6) != 1)
        throw ConfigError("'" + text + "': the host must be a numeric IPv4 or IPv6 address");
    return e;
}

SocketAddress socket_address(const Endpoint& e) {
    SocketAddress a;
    if (e.host.find(':') != std::string::npos) {
        auto* in6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(e.port);
        ::inet_pton(AF_INET6, e.host.c_str(), &in6->sin6_addr);
        a.length = sizeof *in6;
    } else {
        auto* in4 = reinterpret_cast<sockaddr_in*>(&a.storage);
        in4->sin_family = AF_INET;
        in4->sin_port = htons(e.port);
        ::inet_pton(AF_INET, e.host.c_str(), &in4->sin_addr);
        a.length = sizeof *in4;
    }
    return a;
}

void write_all(int fd, std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno(errno == EAGAIN ? ETIMEDOUT : errno, "netpass: send to the peer");
        }
        bytes = bytes.subspan(static_cast<std::size_t>(n));
    }
}

Ready wait(std::initializer_list<int> fds, std::optional<std::chrono::steady_clock::time_point> deadline) {
    std::vector<pollfd> p;
    for (int fd : fds) p.push_back({fd, POLLIN, 0});
    int timeout = -1;
    if (deadline) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
        timeout = static_cast<int>(std::max<long>(0, left.count() + 1));
    }
    Ready r;
    if (::poll(p.data(), p.size(), timeout) < 0 && errno != EINTR) throw_errno("poll");
    for (std::size_t i = 0; i < p.size() && i < 4; ++i) r.fds[i] = p[i].fd >= 0 && (p[i].revents & (POLLIN | POLLHUP | POLLERR));
    return r;
}

}  // namespace nf::netpass::cmd
