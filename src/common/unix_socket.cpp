#include "common/unix_socket.h"

#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/error.h"
#include "common/safe_file.h"

namespace nf {
namespace {

using Clock = std::chrono::steady_clock;

sockaddr_un address_of(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty()) throw SystemError(EINVAL, "unix socket path is empty");
    if (path.size() >= sizeof(addr.sun_path))
        throw SystemError(ENAMETOOLONG, "unix socket " + path + " (longer than " +
                                            std::to_string(sizeof(addr.sun_path) - 1) + " bytes)");
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

UniqueFd stream_socket(const std::string& path) {
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("socket(AF_UNIX) for " + path);
    return fd;
}

int try_connect(int fd, const sockaddr_un& addr) {
    return ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 ? 0 : errno;
}

// A socket file nobody serves is what a crashed server leaves behind: remove it. Anything else stays.
void clear_stale_socket(const std::string& path) {
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return;
        throw_errno("unix socket " + path);
    }
    if (!S_ISSOCK(st.st_mode))
        throw SystemError(EEXIST, "unix socket " + path + " exists and is not a socket; not removing it");
    if (unix_socket_served(path))
        throw SystemError(EADDRINUSE, "unix socket " + path + ": another process is serving it");
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno("unix socket " + path + ": removing stale socket");
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

bool in_group(uid_t uid, gid_t primary, gid_t group) {
    if (primary == group) return true;
    std::vector<char> buffer(16384);
    passwd pw{};
    passwd* found = nullptr;
    if (::getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &found) != 0 || !found) return false;
    int count = 64;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    if (::getgrouplist(pw.pw_name, primary, groups.data(), &count) < 0) {
        groups.resize(static_cast<std::size_t>(count));
        if (::getgrouplist(pw.pw_name, primary, groups.data(), &count) < 0) return false;
    }
    groups.resize(static_cast<std::size_t>(count));
    return std::ranges::find(groups, group) != groups.end();
}

}  // namespace

gid_t resolve_group(std::string_view option, const std::string& name) {
    if (name.empty()) throw ConfigError(std::string(option) + ": group name is empty");
    std::vector<char> buffer(16384);
    group gr{};
    group* found = nullptr;
    if (::getgrnam_r(name.c_str(), &gr, buffer.data(), buffer.size(), &found) == 0 && found) return gr.gr_gid;
    gid_t gid = 0;
    const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), gid);
    if (ec == std::errc() && end == name.data() + name.size()) return gid;
    throw ConfigError(std::string(option) + ": no group '" + name + "'");
}

bool peer_allowed(int fd, const SocketAccess& access) {
    ucred cred{};
    socklen_t len = sizeof cred;
    if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return false;
    if (cred.uid == 0 || cred.uid == ::geteuid()) return true;
    return access.group && in_group(cred.uid, cred.gid, *access.group);
}

UnixListener::UnixListener(UnixListener&& other) noexcept
    : fd_(std::move(other.fd_)), path_(std::exchange(other.path_, {})), dev_(other.dev_), ino_(other.ino_) {}

UnixListener& UnixListener::operator=(UnixListener&& other) noexcept {
    if (this != &other) {
        unlink_if_ours();
        fd_ = std::move(other.fd_);
        path_ = std::exchange(other.path_, {});
        dev_ = other.dev_;
        ino_ = other.ino_;
    }
    return *this;
}

UnixListener::~UnixListener() { unlink_if_ours(); }

void UnixListener::unlink_if_ours() noexcept {
    struct stat st{};
    if (!path_.empty() && ::lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_)
        ::unlink(path_.c_str());
    path_.clear();
}

UnixListener listen_unix(const std::string& path, int backlog, const SocketAccess& access) {
    const sockaddr_un addr = address_of(path);
    const auto parent = std::filesystem::absolute(std::filesystem::path(path)).parent_path();
    // 0755, owned by root or us, not writable by others: nobody can swap the socket file for theirs.
    create_safe_directories(parent);
    clear_stale_socket(path);

    UniqueFd fd = stream_socket(path);
    const mode_t mode = access.group ? 0660 : 0600;
    {
        // The socket file is born with its final mode: Linux gives the bound file the socket inode's mode
        // (set by fchmod) less the umask. No chmod by path afterwards, which would follow a symlink
        // swapped in after bind.
        const ScopedUmask umask(0777 & ~mode);
        if (::fchmod(fd.get(), mode) != 0) throw_errno("unix socket " + path + ": fchmod");
        if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0)
            throw_errno("unix socket " + path + ": bind");
    }
    // lchown and lstat never follow a symlink; a path that is no longer our socket is an error.
    if (access.group && ::lchown(path.c_str(), static_cast<uid_t>(-1), *access.group) != 0) {
        const int err = errno;
        ::unlink(path.c_str());
        throw_errno(err, "unix socket " + path + ": chown to group " + std::to_string(*access.group));
    }
    struct stat st{};
    if (::lstat(path.c_str(), &st) != 0) throw_errno("unix socket " + path + ": lstat after bind");
    if (!S_ISSOCK(st.st_mode)) throw SystemError(EEXIST, "unix socket " + path + " was replaced after bind");
    UnixListener listener(std::move(fd), path, st.st_dev, st.st_ino);
    if (::listen(listener.fd(), backlog) != 0) throw_errno("unix socket " + path + ": listen");   // unlinks
    return listener;
}

UniqueFd accept_unix(int listen_fd) {
    for (;;) {
        UniqueFd fd(::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (fd) return fd;
        if (errno == ECONNABORTED || errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return {};
        throw_errno("accept on unix socket");
    }
}

UniqueFd connect_unix(const std::string& path, std::chrono::milliseconds timeout, ServerWait wait) {
    const sockaddr_un addr = address_of(path);
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        UniqueFd fd = stream_socket(path);
        const int err = try_connect(fd.get(), addr);
        if (err == 0) return fd;
        // A unix connect never goes "in progress": EAGAIN means the listen backlog is full.
        const bool not_up_yet = err == ENOENT || err == ECONNREFUSED;
        if (err != EAGAIN && err != EINTR && !(not_up_yet && wait == ServerWait::yes))
            throw_errno(err, "connect " + path);
        if (Clock::now() >= deadline) throw_errno(err, "connect " + path + " (timed out)");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

bool admit_peer(int fd, const SocketAccess& access, std::uint64_t& refused, std::string_view what) {
    if (peer_allowed(fd, access)) return true;
    ++refused;
    ucred cred{};
    socklen_t len = sizeof cred;
    (void)::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len);
    spdlog::warn("{}: refusing a connection from uid {} gid {} pid {} (not root, us or the socket's group)", what,
                 cred.uid, cred.gid, cred.pid);
    return false;
}

UniqueFd accept_unix(int listen_fd, const SocketAccess& access, std::uint64_t& refused) {
    for (;;) {
        UniqueFd fd = accept_unix(listen_fd);
        if (!fd || admit_peer(fd.get(), access, refused, "unix socket")) return fd;
    }
}

bool unix_socket_served(const std::string& path) {
    const sockaddr_un addr = address_of(path);
    const UniqueFd probe = stream_socket(path);
    const int err = try_connect(probe.get(), addr);
    if (err == 0 || err == EAGAIN) return true;   // EAGAIN: a listener with a full backlog
    if (err == ECONNREFUSED || err == ENOENT) return false;
    throw_errno(err, "unix socket " + path + ": probing for a server");
}

bool wait_fd(int fd, short events, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        pollfd p{fd, events, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
        if (rc > 0) return true;
        if (rc == 0) return false;
        if (errno != EINTR) throw_errno("poll");
    }
}

}  // namespace nf
