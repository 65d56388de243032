#pragma once
// Mount table lookups (/proc/thread-self/mounts: this thread's mount namespace) and bpffs.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nf::os {

// One line of the mount table, with the kernel's \ooo escapes undone.
struct MountEntry {
    std::string source;
    std::filesystem::path target;
    std::string fstype;
    std::string options;
};

std::vector<MountEntry> read_mounts();
// First mount point of a filesystem type ("cgroup2", "bpf"), if any.
std::optional<std::filesystem::path> find_mount(const std::string& fstype);

// Mounts bpffs at /sys/fs/bpf unless a bpffs is already there; returns that path. Needed for pinned maps
// (it is not mounted at boot here, and `ip netns exec` hides it: use NetnsScope, not a new mount ns).
std::filesystem::path ensure_bpffs();

}  // namespace nf::os
