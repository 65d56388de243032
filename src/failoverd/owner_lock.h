#pragma once
// One failoverd per master: <state dir>/<key>.lock (key: system_key(), as the state file), held with
// flock(LOCK_EX) for the daemon's whole life and taken before start-up changes anything. A second daemon
// for the same master (whatever its --control path) is refused with the owner's pid, having changed
// nothing: without it, it would adopt (bpf) or delete (packet) the first one's live master.
//
// The kernel drops the lock when its holder dies (also by SIGKILL), so a stale file never blocks a
// restart; the file holds the owner's pid for the error message only. The owner unlinks it at stop.
#include <sys/types.h>

#include <filesystem>

#include "common/unique_fd.h"

namespace nf::failoverd {

class OwnerLock {
public:
    // Throws SystemError(EBUSY) naming the running owner's pid when another process holds the lock,
    // SystemError for anything else (the directory cannot be made, the file cannot be opened).
    explicit OwnerLock(std::filesystem::path path);
    ~OwnerLock();  // unlinks the file, then drops the lock
    OwnerLock(const OwnerLock&) = delete;
    OwnerLock& operator=(const OwnerLock&) = delete;

    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    UniqueFd fd_;
};

std::filesystem::path owner_lock_path(const std::string& directory, const std::string& key);

}  // namespace nf::failoverd
