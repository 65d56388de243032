#pragma once
// Unix stream sockets for QMP and the device channel, always O_NONBLOCK and O_CLOEXEC, owned by UniqueFd.
#include <chrono>
#include <string>

#include "common/unique_fd.h"

namespace nf::qmp {

// Binds and listens on `path`, replacing a stale socket file left by a previous run.
UniqueFd listen_unix(const std::string& path, int backlog = 16);
// Accepts one pending connection; an invalid UniqueFd when none is pending.
UniqueFd accept_unix(int listen_fd);
// Connects to `path`, retrying while the server is not up yet (missing path, refused) until `timeout`.
UniqueFd connect_unix(const std::string& path, std::chrono::milliseconds timeout);

// Waits until `fd` is readable (or writable); false on timeout. Retries on EINTR.
bool wait_fd(int fd, short events, std::chrono::milliseconds timeout);

}  // namespace nf::qmp
