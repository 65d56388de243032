#include "failoverd/owner_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "common/error.h"
#include "common/safe_file.h"

namespace nf::failoverd {

namespace {

// The pid the owner wrote; empty when it cannot be read (it is only for the message).
std::string read_owner(int fd) {
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0) return {};
    std::string pid(buf, static_cast<std::size_t>(n));
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return pid;
}

}  // namespace

std::filesystem::path owner_lock_path(const std::string& directory, const std::string& key) {
    return std::filesystem::path(directory) / (key + ".lock");
}

OwnerLock::OwnerLock(std::filesystem::path path) : path_(std::move(path)) {
    // 0755 whatever the umask, refused when someone else owns it or may write to it (common/safe_file.h).
    create_safe_directories(path_.parent_path());
    // An owner unlinks the file at stop: a lock taken on a file that was unlinked meanwhile guards
    // nothing, so the file locked must still be the one at the path (bounded: each retry means another
    // daemon came and went in between).
    for (int attempt = 0; attempt < 8; ++attempt) {
        UniqueFd fd(::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!fd) throw_errno("open lock file " + path_.string());
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            if (errno != EWOULDBLOCK) throw_errno("lock " + path_.string());
            const std::string owner = read_owner(fd.get());
            throw SystemError(EBUSY, "another failoverd (pid " + (owner.empty() ? std::string("unknown") : owner) +
                                         ") owns this master (lock " + path_.string() +
                                         "); stop it first, one failoverd per master");
        }
        struct stat held {}, named {};
        if (::fstat(fd.get(), &held) != 0) throw_errno("stat " + path_.string());
        if (::stat(path_.c_str(), &named) != 0 || named.st_ino != held.st_ino || named.st_dev != held.st_dev) continue;
        const std::string pid = std::to_string(::getpid()) + "\n";
        if (::ftruncate(fd.get(), 0) != 0 || ::pwrite(fd.get(), pid.data(), pid.size(), 0) < 0)
            throw_errno("write lock file " + path_.string());
        fd_ = std::move(fd);
        return;
    }
    throw SystemError(EAGAIN, "lock " + path_.string() + ": the file kept being replaced");
}

OwnerLock::~OwnerLock() {
    if (!fd_) return;
    // Unlinked while still held: a daemon waiting to open it either gets the old inode (and retries on the
    // inode check) or makes a new file.
    ::unlink(path_.c_str());
}

}  // namespace nf::failoverd
