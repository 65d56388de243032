#pragma once
// Cgroup2: one cgroup v2 group — the lab's "VM pause" (freezer) and cleanup (kill) for its processes.
//
// The cgroup2 mount is found in the mount table, never assumed: /sys/fs/cgroup on a pure-v2 machine,
// /sys/fs/cgroup/unified on a hybrid one like ours. Freezing needs no controller. Freezing pauses the
// processes only, not the network stack of their namespace (it still answers ARP/ICMP/SYN).
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string_view>
#include <vector>

namespace nf::os {

class Cgroup2 {
public:
    // Mount point of cgroup2; throws SystemError(ENOENT) if there is none.
    static std::filesystem::path mount_point();
    // mkdir <mount>/<name> ("a/b" nests; parents must exist). An existing group is reused.
    static Cgroup2 create(std::string_view name);
    static Cgroup2 open(std::string_view name);

    const std::filesystem::path& path() const { return path_; }
    void add_pid(pid_t pid);
    std::vector<pid_t> pids() const;

    // Write cgroup.freeze and wait for cgroup.events to confirm; SystemError(ETIMEDOUT) after `timeout`.
    void freeze(std::chrono::milliseconds timeout = std::chrono::seconds(2));
    void thaw(std::chrono::milliseconds timeout = std::chrono::seconds(2));
    bool frozen() const;
    bool populated() const;
    // SIGKILL every process in the group (cgroup.kill). Does not wait; remove() does.
    void kill();
    // rmdir, retried while processes are still leaving; SystemError(ETIMEDOUT/EBUSY) after `timeout`.
    // Absent group: no-op.
    void remove(std::chrono::milliseconds timeout = std::chrono::seconds(2));

private:
    explicit Cgroup2(std::filesystem::path path) : path_(std::move(path)) {}
    void write_file(const char* file, std::string_view value, const std::string& what) const;
    bool event_is(const char* key, const char* value) const;
    void wait_event(const char* key, const char* value, std::chrono::milliseconds timeout,
                    const std::string& what) const;

    std::filesystem::path path_;
};

}  // namespace nf::os
