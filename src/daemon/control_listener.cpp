#include "daemon/control_listener.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <system_error>

#include "common/error.h"

namespace nf::daemon {
namespace {

sockaddr_un address_of(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path))
        throw SystemError(ENAMETOOLONG, "control socket " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

// Someone answers on `path`: another failoverd for the same master.
bool daemon_answers(const std::string& path) {
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!probe) throw_errno("socket(AF_UNIX) for the control socket probe");
    const sockaddr_un addr = address_of(path);
    if (::connect(probe.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) return true;
    if (errno == ECONNREFUSED || errno == ENOENT) return false;
    throw_errno("control socket " + path + ": probing for a running failoverd");
}

void clear_path(const std::string& path) {
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        throw_errno("control socket " + path);
    }
    if (!S_ISSOCK(st.st_mode))
        throw SystemError(EEXIST, "control socket " + path + " exists and is not a socket; not removing it");
    if (daemon_answers(path))
        throw SystemError(EADDRINUSE, "control socket " + path + ": failoverd already running");
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno("control socket " + path + ": removing stale socket");
}

// Restores the umask on every exit path.
class ScopedUmask {
public:
    explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
    ~ScopedUmask() { ::umask(old_); }
    ScopedUmask(const ScopedUmask&) = delete;
    ScopedUmask& operator=(const ScopedUmask&) = delete;

private:
    mode_t old_;
};

}  // namespace

ControlListener listen_on_control_socket(const std::string& path, int backlog) {
    const sockaddr_un addr = address_of(path);
    const auto parent = std::filesystem::path(path).parent_path();
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw SystemError(ec.value(), "control socket directory " + parent.string());
    clear_path(path);

    ControlListener listener;
    listener.fd = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!listener.fd) throw_errno("socket(AF_UNIX) for the control socket");
    {
        // The socket file is born 0600: no window in which another user could connect.
        const ScopedUmask umask(0177);
        if (::bind(listener.fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0)
            throw_errno("control socket " + path + ": bind");
    }
    struct stat st{};
    if (::chmod(path.c_str(), 0600) != 0 || ::stat(path.c_str(), &st) != 0) {
        const int err = errno;
        ::unlink(path.c_str());
        throw_errno(err, "control socket " + path + ": chmod 0600");
    }
    listener.dev = st.st_dev;
    listener.ino = st.st_ino;
    if (::listen(listener.fd.get(), backlog) != 0) {
        const int err = errno;
        ::unlink(path.c_str());
        throw_errno(err, "control socket " + path + ": listen");
    }
    return listener;
}

void unlink_control_socket(const std::string& path, const ControlListener& listener) {
    struct stat st{};
    if (::lstat(path.c_str(), &st) == 0 && st.st_dev == listener.dev && st.st_ino == listener.ino)
        ::unlink(path.c_str());
}

}  // namespace nf::daemon
