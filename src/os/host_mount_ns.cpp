#include "os/host_mount_ns.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/unique_fd.h"

namespace nf::os {

std::string host_mount_namespace_path() {
    const char* given = std::getenv("NF_HOST_MOUNT_NS");
    return given && *given ? std::string(given) : std::string("/proc/1/ns/mnt");
}

MountNamespaceJoin join_host_mount_namespace() noexcept {
    MountNamespaceJoin out;
    std::string host_path;
    try {
        host_path = host_mount_namespace_path();
    } catch (...) {
        out.result = MountNamespaceJoin::Result::failed;
        out.detail = "out of memory";
        return out;
    }
    struct stat ours {}, host {};
    if (::stat("/proc/self/ns/mnt", &ours) != 0) {
        out.result = MountNamespaceJoin::Result::failed;
        out.detail = std::string("stat /proc/self/ns/mnt: ") + std::strerror(errno);
        return out;
    }
    // PID 1 of our PID namespace: in a container that is the container's init, whose mount namespace is
    // the one its other services share, which is what we want there too.
    if (::stat(host_path.c_str(), &host) != 0) {
        out.result = MountNamespaceJoin::Result::failed;
        out.detail = "stat " + host_path + ": " + std::strerror(errno);
        return out;
    }
    if (ours.st_ino == host.st_ino && ours.st_dev == host.st_dev) return out;
    UniqueFd fd(::open(host_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd || ::setns(fd.get(), CLONE_NEWNS) != 0) {
        out.result = MountNamespaceJoin::Result::failed;
        out.detail = "setns to " + host_path + ": " + std::strerror(errno);
        return out;
    }
    out.result = MountNamespaceJoin::Result::joined;
    return out;
}

}  // namespace nf::os
