#include "os/netns.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <thread>

#include <spdlog/spdlog.h>

#include "common/error.h"

namespace nf::os {
namespace {

constexpr const char* kThreadNetns = "/proc/thread-self/ns/net";

std::filesystem::path named_path(std::string_view name) {
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
        name.size() > 255)
        throw ConfigError("invalid network namespace name '" + std::string(name) + "'");
    return std::filesystem::path(Netns::kRunDir) / std::string(name);
}

bool is_nsfs(const std::filesystem::path& path) {
    struct statfs st {};
    return ::statfs(path.c_str(), &st) == 0 && st.f_type == NSFS_MAGIC;
}

// unshare(CLONE_NEWNET) changes the calling thread for good, so it runs on a throwaway thread.
void on_fresh_thread(const std::function<void()>& work) {
    std::exception_ptr failure;
    std::thread([&] {
        try {
            work();
        } catch (...) {
            failure = std::current_exception();
        }
    }).join();
    if (failure) std::rethrow_exception(failure);
}

// iproute2 makes /run/netns a shared mount point so namespace bind mounts propagate into mount namespaces
// created later (e.g. by `ip netns exec`); we keep that layout so both tools interoperate.
void prepare_run_dir() {
    if (::mkdir(Netns::kRunDir, 0755) < 0 && errno != EEXIST) throw_errno(std::string("mkdir ") + Netns::kRunDir);
    if (::mount("", Netns::kRunDir, "none", MS_SHARED | MS_REC, nullptr) == 0) return;
    if (errno != EINVAL) throw_errno(std::string("make shared ") + Netns::kRunDir);
    if (::mount(Netns::kRunDir, Netns::kRunDir, "none", MS_BIND | MS_REC, nullptr) < 0)
        throw_errno(std::string("bind mount ") + Netns::kRunDir);
    if (::mount("", Netns::kRunDir, "none", MS_SHARED | MS_REC, nullptr) < 0)
        throw_errno(std::string("make shared ") + Netns::kRunDir);
}

}  // namespace

Netns Netns::current() { return open(kThreadNetns); }

Netns Netns::open(const std::filesystem::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open netns " + path.string());
    return Netns(std::move(fd));
}

Netns Netns::open_named(std::string_view name) { return open(named_path(name)); }

bool Netns::named_exists(std::string_view name) { return is_nsfs(named_path(name)); }

Netns Netns::create_named(std::string_view name) {
    const auto path = named_path(name);
    if (is_nsfs(path)) return open(path);
    prepare_run_dir();
    UniqueFd file(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0));
    const bool created = file.valid();
    if (!created && errno != EEXIST) throw_errno("create " + path.string());
    file.reset();
    try {
        on_fresh_thread([&] {
            if (::unshare(CLONE_NEWNET) < 0) throw_errno("unshare netns for " + path.string());
            if (::mount(kThreadNetns, path.c_str(), "none", MS_BIND, nullptr) < 0)
                throw_errno("bind mount netns at " + path.string());
        });
    } catch (...) {
        if (created) ::unlink(path.c_str());
        throw;
    }
    return open(path);
}

void Netns::remove_named(std::string_view name) {
    const auto path = named_path(name);
    if (::umount2(path.c_str(), MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
        throw_errno("umount " + path.string());
    if (::unlink(path.c_str()) < 0 && errno != ENOENT) throw_errno("unlink " + path.string());
}

Netns Netns::create_anonymous() {
    UniqueFd fd;
    on_fresh_thread([&] {
        if (::unshare(CLONE_NEWNET) < 0) throw_errno("unshare anonymous netns");
        fd = UniqueFd(::open(kThreadNetns, O_RDONLY | O_CLOEXEC));
        if (!fd) throw_errno("open new anonymous netns");
    });
    return Netns(std::move(fd));
}

ino_t Netns::inode() const {
    struct stat st {};
    if (::fstat(fd(), &st) < 0) throw_errno("fstat netns fd");
    return st.st_ino;
}

NetnsScope::NetnsScope(const Netns& target) : NetnsScope(target.fd()) {}

NetnsScope::NetnsScope(int netns_fd) {
    if (netns_fd < 0) return;
    Netns saved = Netns::current();
    if (::setns(netns_fd, CLONE_NEWNET) < 0) throw_errno("setns into netns");
    saved_.emplace(std::move(saved));
}

NetnsScope::~NetnsScope() {
    if (!saved_) return;
    // A thread stranded in the wrong namespace would silently act on the wrong links: fail loudly.
    if (::setns(saved_->fd(), CLONE_NEWNET) < 0) {
        spdlog::critical("setns back to the saved netns failed: {}", std::strerror(errno));
        std::abort();
    }
}

}  // namespace nf::os
