#include "os/cgroup.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/unique_fd.h"
#include "os/mounts.h"

namespace nf::os {
namespace {

using Clock = std::chrono::steady_clock;

std::filesystem::path group_path(std::string_view name) {
    if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos)
        throw ConfigError("invalid cgroup name '" + std::string(name) + "'");
    return Cgroup2::mount_point() / std::string(name);
}

// cgroup.events: "populated 0\nfrozen 1\n".
bool events_have(int fd, const char* key, const char* value, const std::string& what) {
    char buf[256];
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    if (n < 0) throw_errno(what + ": read cgroup.events");
    std::istringstream in(std::string(buf, static_cast<size_t>(n)));
    std::string k, v;
    while (in >> k >> v)
        if (k == key) return v == value;
    return false;
}

}  // namespace

std::filesystem::path Cgroup2::mount_point() {
    auto mount = find_mount("cgroup2");
    if (!mount) throw SystemError(ENOENT, "find cgroup2 mount in /proc/thread-self/mounts");
    return *mount;
}

Cgroup2 Cgroup2::create(std::string_view name) {
    auto path = group_path(name);
    if (::mkdir(path.c_str(), 0755) < 0 && errno != EEXIST) throw_errno("create cgroup " + path.string());
    return Cgroup2(std::move(path));
}

Cgroup2 Cgroup2::open(std::string_view name) {
    auto path = group_path(name);
    struct stat st {};
    if (::stat(path.c_str(), &st) < 0) throw_errno("open cgroup " + path.string());
    return Cgroup2(std::move(path));
}

void Cgroup2::write_file(const char* file, std::string_view value, const std::string& what) const {
    const auto full = path_ / file;
    UniqueFd fd(::open(full.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw_errno(what + ": open " + full.string());
    if (::write(fd.get(), value.data(), value.size()) < 0) throw_errno(what + ": write " + full.string());
}

void Cgroup2::add_pid(pid_t pid) {
    write_file("cgroup.procs", std::to_string(pid), "add pid " + std::to_string(pid) + " to cgroup " + path_.string());
}

std::vector<pid_t> Cgroup2::pids() const {
    std::ifstream in(path_ / "cgroup.procs");
    if (!in) throw_errno("read " + (path_ / "cgroup.procs").string());
    std::vector<pid_t> out;
    for (pid_t pid; in >> pid;) out.push_back(pid);
    return out;
}

bool Cgroup2::event_is(const char* key, const char* value) const {
    const auto file = path_ / "cgroup.events";
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("open " + file.string());
    return events_have(fd.get(), key, value, "cgroup " + path_.string());
}

bool Cgroup2::frozen() const { return event_is("frozen", "1"); }
bool Cgroup2::populated() const { return event_is("populated", "1"); }

// cgroup.events raises POLLPRI on every change; the poll slice is capped so a missed wakeup costs little.
void Cgroup2::wait_event(const char* key, const char* value, std::chrono::milliseconds timeout,
                         const std::string& what) const {
    const auto file = path_ / "cgroup.events";
    UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno(what + ": open " + file.string());
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (events_have(fd.get(), key, value, what)) return;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() < 0)
            throw SystemError(ETIMEDOUT, what + ": cgroup.events did not show '" + key + " " + value + "' within " +
                                             std::to_string(timeout.count()) + " ms");
        pollfd pfd{fd.get(), POLLPRI, 0};
        const int slice = static_cast<int>(std::min<long>(left.count() + 1, 20));
        if (::poll(&pfd, 1, slice) < 0 && errno != EINTR) throw_errno(what + ": poll cgroup.events");
    }
}

void Cgroup2::freeze(std::chrono::milliseconds timeout) {
    const std::string what = "freeze cgroup " + path_.string();
    write_file("cgroup.freeze", "1", what);
    wait_event("frozen", "1", timeout, what);
}

void Cgroup2::thaw(std::chrono::milliseconds timeout) {
    const std::string what = "thaw cgroup " + path_.string();
    write_file("cgroup.freeze", "0", what);
    wait_event("frozen", "0", timeout, what);
}

void Cgroup2::kill() { write_file("cgroup.kill", "1", "kill cgroup " + path_.string()); }

void Cgroup2::remove(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        if (::rmdir(path_.c_str()) == 0 || errno == ENOENT) return;
        if (errno != EBUSY) throw_errno("remove cgroup " + path_.string());
        if (Clock::now() >= deadline)
            throw SystemError(EBUSY, "remove cgroup " + path_.string() + ": still populated after " +
                                         std::to_string(timeout.count()) + " ms");
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

}  // namespace nf::os
