#pragma once
// failoverd's system handles must outlive it: the private network namespace's bind mount under
// /run/netns and the pinned BPF maps under /sys/fs/bpf. Both live in a mount namespace. Started in a
// private one (`ip netns exec`, which also remounts /sys without bpffs; `unshare -m`; a systemd unit with
// ProtectSystem=, PrivateTmp=, ...), what failoverd mounts or pins there dies with it, so a SIGKILL takes
// the master down and a successor cannot adopt. join_host_mount_namespace() moves the process into
// PID 1's mount namespace first, where a successor started any of these ways finds them again.
#include <string>

namespace nf::os {

struct MountNamespaceJoin {
    enum class Result { already_host, joined, failed } result = Result::already_host;
    std::string detail;  // failed: why (for the start-up warning)
};

// The mount namespace to join: $NF_HOST_MOUNT_NS when set (a container or sandbox whose PID 1 we may not
// look at names its own, e.g. /proc/<pid>/ns/mnt of a process in the namespace the system's tools use),
// else PID 1's.
std::string host_mount_namespace_path();

// setns(2) into host_mount_namespace_path() when ours differs. Must run while the process is single-threaded (the
// kernel refuses CLONE_NEWNS for a thread that shares its filesystem attributes); needs CAP_SYS_ADMIN and
// CAP_SYS_CHROOT. Changes the root and working directory to PID 1's. Never throws.
MountNamespaceJoin join_host_mount_namespace() noexcept;

}  // namespace nf::os
