#pragma once
// The BPF filesystem, where the datapath pins its maps. It is not mounted at boot on every machine.
#include <string>

namespace nf::datapath {

// Mounts bpffs at `root` unless a bpf filesystem is already mounted there.
void ensure_bpffs_mounted(const std::string& root = "/sys/fs/bpf");
// mkdir -p on bpffs (or anywhere).
void make_directories(const std::string& path);

}  // namespace nf::datapath
