#include "datapath/bpf/bpffs.h"

#include <mntent.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <memory>

#include "common/error.h"

namespace nf::datapath {
namespace {

bool bpffs_mounted_at(const std::string& root) {
    std::unique_ptr<FILE, int (*)(FILE*)> mounts(setmntent("/proc/self/mounts", "r"), endmntent);
    if (!mounts) throw_errno("read /proc/self/mounts");
    while (mntent* m = getmntent(mounts.get())) {
        if (root == m->mnt_dir && std::string(m->mnt_type) == "bpf") return true;
    }
    return false;
}

}  // namespace

void ensure_bpffs_mounted(const std::string& root) {
    if (bpffs_mounted_at(root)) return;
    make_directories(root);
    if (::mount("bpf", root.c_str(), "bpf", 0, "mode=0700") < 0) throw_errno("mount bpffs at " + root);
}

void make_directories(const std::string& path) {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) throw SystemError(ec.value(), "create directory " + path);
}

}  // namespace nf::datapath
