#pragma once
// Unix stream sockets for the control socket, QMP and the device channel: always O_NONBLOCK and
// O_CLOEXEC, owned by UniqueFd. The listener claims its path carefully (parent directory, stale-socket
// cleanup, "someone already serves it", mode 0600) and only ever unlinks the socket file it bound.
// Who may connect is checked twice: by the socket file's mode and, at accept, by the peer's credentials
// (SO_PEERCRED): root and our own user always, members of one configured group optionally.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/unique_fd.h"

namespace nf {

// A listening socket bound to a path; unlinks that path on destruction if it is still our socket file.
class UnixListener {
public:
    UnixListener() = default;
    UnixListener(UniqueFd fd, std::string path, dev_t dev, ino_t ino)
        : fd_(std::move(fd)), path_(std::move(path)), dev_(dev), ino_(ino) {}
    UnixListener(UnixListener&& other) noexcept;
    UnixListener& operator=(UnixListener&& other) noexcept;
    ~UnixListener();

    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }

private:
    void unlink_if_ours() noexcept;

    UniqueFd fd_;
    std::string path_;   // empty when there is nothing to unlink
    dev_t dev_ = 0;      // identity of the socket file we bound
    ino_t ino_ = 0;
};

// Who may use a socket. Default: root and the server's own user (mode 0600). With a group: its members
// too (mode 0660, group-owned), checked against the peer's primary and supplementary groups.
struct SocketAccess {
    std::optional<gid_t> group;
};
// A group name or number ("netfailover", "1001") → its gid. Throws nf::ConfigError naming `option`.
gid_t resolve_group(std::string_view option, const std::string& name);

// Creates missing parent directories (mode 0755), checks the parent is safe (a directory owned by root or
// us, not group/world-writable unless sticky, like /tmp), removes a stale socket file, binds with mode
// 0600 (0660 with a group) set on the socket before bind (nothing by path is chmod'ed: no symlink race)
// and listens. Throws nf::SystemError: EADDRINUSE ("... already serving") when a process answers on `path`,
// EEXIST when `path` is not a socket, EPERM for an unsafe parent, ENAMETOOLONG when it does not fit a
// sockaddr_un.
UnixListener listen_unix(const std::string& path, int backlog = 16, const SocketAccess& access = {});

// Accepts one pending connection; an invalid UniqueFd when none is pending.
UniqueFd accept_unix(int listen_fd);
// Same, but only peers that `access` admits (SO_PEERCRED): others are closed at once, logged and counted in
// `refused`, and the next pending connection is tried.
UniqueFd accept_unix(int listen_fd, const SocketAccess& access, std::uint64_t& refused);
// Whether the peer of a connected unix socket may use a socket with `access`.
bool peer_allowed(int fd, const SocketAccess& access);
// peer_allowed(), and when not: logs who was refused (uid/gid/pid, `what` names the socket) and counts it.
bool admit_peer(int fd, const SocketAccess& access, std::uint64_t& refused, std::string_view what);

enum class ServerWait {
    no,    // a missing or refusing server is an error at once (a CLI talking to a daemon)
    yes,   // retry until the deadline while the server is not up yet (tests, an orchestrator)
};
// Connects to `path` before `timeout`; a full listen backlog is always waited out. Throws nf::SystemError
// "connect PATH: <strerror>" with the errno of the last attempt (ETIMEDOUT when the backlog stayed full).
UniqueFd connect_unix(const std::string& path, std::chrono::milliseconds timeout, ServerWait wait = ServerWait::yes);

// Whether a process accepts connections on `path` now. false for a missing path or a stale socket file;
// throws nf::SystemError when `path` cannot be probed (EACCES, ENAMETOOLONG).
bool unix_socket_served(const std::string& path);

// Waits until `fd` is readable (or writable, per `events`); false on timeout. Retries on EINTR.
bool wait_fd(int fd, short events, std::chrono::milliseconds timeout);

}  // namespace nf
