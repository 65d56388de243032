#include "qmp/unix_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "common/error.h"

namespace nf::qmp {

namespace {
sockaddr_un address_of(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(addr.sun_path))
        throw ConfigError("unix socket path '" + path + "' is empty or longer than " +
                          std::to_string(sizeof(addr.sun_path) - 1) + " bytes");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

UniqueFd stream_socket(const std::string& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("socket(AF_UNIX) for " + path);
    return fd;
}
}  // namespace

UniqueFd listen_unix(const std::string& path, int backlog) {
    const sockaddr_un addr = address_of(path);
    UniqueFd fd = stream_socket(path);
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) ::unlink(path.c_str());
    if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) throw_errno("bind " + path);
    if (::listen(fd.get(), backlog) < 0) throw_errno("listen " + path);
    return fd;
}

UniqueFd accept_unix(int listen_fd) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) return {};
        throw_errno("accept on unix socket");
    }
    return UniqueFd(fd);
}

UniqueFd connect_unix(const std::string& path, std::chrono::milliseconds timeout) {
    const sockaddr_un addr = address_of(path);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        UniqueFd fd = stream_socket(path);
        if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0) return fd;
        const int err = errno;
        if (err == EINPROGRESS || err == EAGAIN) {  // a full backlog: wait for the connect to finish
            if (wait_fd(fd.get(), POLLOUT, std::chrono::duration_cast<std::chrono::milliseconds>(
                                               deadline - std::chrono::steady_clock::now()))) {
                int so_error = 0;
                socklen_t len = sizeof so_error;
                ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len);
                if (so_error == 0) return fd;
            }
        } else if (err != ENOENT && err != ECONNREFUSED) {
            throw_errno(err, "connect " + path);
        }
        if (std::chrono::steady_clock::now() >= deadline) throw_errno(err, "connect " + path + " (timed out)");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

bool wait_fd(int fd, short events, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{fd, events, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
        if (rc > 0) return true;
        if (rc == 0) return false;
        if (errno != EINTR) throw_errno("poll");
    }
}

}  // namespace nf::qmp
