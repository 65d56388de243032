#pragma once
// Waiting for a started process to be usable: bounded, and failing early with a clear reason when the
// process dies first.
#include <chrono>
#include <filesystem>
#include <string>

#include "lab/topology/process.h"

namespace nf::lab {

// Polls until a unix stream socket at `path` accepts a connection. Throws SystemError(ETIMEDOUT) after
// `timeout`, or SystemError(ESRCH) as soon as `owner` (when given) is no longer alive; both name the
// socket and the owner's log file.
void wait_for_unix_socket(const std::filesystem::path& path, std::chrono::milliseconds timeout,
                          const ProcessRecord* owner = nullptr);

// failoverd is ready when its master exists under its final name: the control socket answers
// {"cmd":"status"} with a master_ifindex, and the link `ifname` in `netns` is that link. An answer alone is
// not enough (a daemon may answer before it has renamed the standby, which has that name until then, and
// the VM's address would land on the standby). Returns the master's ifindex; throws as
// wait_for_unix_socket does.
int wait_for_failoverd_master(const std::filesystem::path& control, const std::string& netns, const std::string& ifname,
                              std::chrono::milliseconds timeout, const ProcessRecord* owner = nullptr);

// True once a unix stream socket at `path` accepts a connection right now.
bool unix_socket_accepts(const std::filesystem::path& path);

}  // namespace nf::lab
