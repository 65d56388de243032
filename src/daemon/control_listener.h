#pragma once
// Claims a unix socket path for the control server: parent directory, stale-socket cleanup, the
// "already running" check, mode 0600.
#include <string>

#include <sys/types.h>

#include "common/unique_fd.h"

namespace nf::daemon {

struct ControlListener {
    UniqueFd fd;      // listening, non-blocking, close-on-exec
    dev_t dev = 0;    // identity of the socket file we bound, so we only ever unlink our own
    ino_t ino = 0;
};

// Throws nf::SystemError: EADDRINUSE when a daemon answers on `path`, EEXIST when `path` is not a socket.
ControlListener listen_on_control_socket(const std::string& path, int backlog = 16);

// Unlinks `path` only if it is still the socket `listener` bound.
void unlink_control_socket(const std::string& path, const ControlListener& listener);

}  // namespace nf::daemon
