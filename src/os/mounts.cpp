#include "os/mounts.h"

#include <mntent.h>
#include <sys/mount.h>

#include <cstdio>
#include <memory>
#include <system_error>

#include "common/error.h"

namespace nf::os {
namespace {

constexpr const char* kMountTable = "/proc/thread-self/mounts";
constexpr const char* kBpffsPath = "/sys/fs/bpf";

}  // namespace

std::vector<MountEntry> read_mounts() {
    // getmntent(3) splits the fields and undoes the kernel's \ooo escapes (space, tab, newline, backslash).
    std::unique_ptr<FILE, int (*)(FILE*)> table(::setmntent(kMountTable, "re"), ::endmntent);
    if (!table) throw_errno(std::string("open ") + kMountTable);
    std::vector<MountEntry> out;
    mntent entry{};
    std::vector<char> line(64 * 1024);  // overlay options run long; a longer line is cut, not misparsed
    while (::getmntent_r(table.get(), &entry, line.data(), static_cast<int>(line.size())))
        out.push_back({entry.mnt_fsname, entry.mnt_dir, entry.mnt_type, entry.mnt_opts});
    return out;
}

std::optional<std::filesystem::path> find_mount(const std::string& fstype) {
    for (const auto& m : read_mounts())
        if (m.fstype == fstype) return m.target;
    return std::nullopt;
}

std::filesystem::path ensure_bpffs() {
    for (const auto& m : read_mounts())
        if (m.fstype == "bpf" && m.target == kBpffsPath) return m.target;
    std::error_code ec;
    std::filesystem::create_directories(kBpffsPath, ec);
    if (ec) throw SystemError(ec.value(), std::string("create ") + kBpffsPath);
    if (::mount("bpf", kBpffsPath, "bpf", 0, "mode=0700") < 0) throw_errno(std::string("mount bpffs at ") + kBpffsPath);
    return kBpffsPath;
}

}  // namespace nf::os
