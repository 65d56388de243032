#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>

#include <algorithm>
#include <filesystem>
#include <thread>

#include "common/error.h"
#include "os/mounts.h"

namespace nf::os {
namespace {

TEST(Mounts, ProcIsListed) {
    const auto mounts = read_mounts();
    EXPECT_TRUE(std::any_of(mounts.begin(), mounts.end(), [](const MountEntry& m) { return m.fstype == "proc"; }));
}

// Runs in a private mount namespace on a throwaway thread, so the host's mount table is never touched.
TEST(Mounts, EnsureBpffsMountsOnceInAPrivateMountNamespace) {
    std::exception_ptr failure;
    std::thread([&] {
        try {
            if (::unshare(CLONE_NEWNS) < 0) throw_errno("unshare mount namespace");
            if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) throw_errno("make / private");
            ::umount2("/sys/fs/bpf", MNT_DETACH);  // start from "not mounted" whatever the host has
            EXPECT_EQ(ensure_bpffs(), "/sys/fs/bpf");
            EXPECT_EQ(ensure_bpffs(), "/sys/fs/bpf");
            const auto mounts = read_mounts();
            EXPECT_EQ(std::count_if(mounts.begin(), mounts.end(),
                                    [](const MountEntry& m) { return m.fstype == "bpf" && m.target == "/sys/fs/bpf"; }),
                      1);
        } catch (...) {
            failure = std::current_exception();
        }
    }).join();
    if (failure) std::rethrow_exception(failure);
}

// The kernel writes a space in a mount point as \040; the entry must carry the real path.
TEST(Mounts, EscapedMountPointIsUnescaped) {
    std::exception_ptr failure;
    std::thread([&] {
        try {
            if (::unshare(CLONE_NEWNS) < 0) throw_errno("unshare mount namespace");
            if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) throw_errno("make / private");
            const std::filesystem::path dir = std::filesystem::temp_directory_path() / "nfy mounts\ttest";
            std::filesystem::create_directories(dir);
            if (::mount("nfy src", dir.c_str(), "tmpfs", 0, "size=64k") < 0) throw_errno("mount tmpfs");
            const auto mounts = read_mounts();
            ::umount2(dir.c_str(), MNT_DETACH);
            std::filesystem::remove(dir);
            EXPECT_TRUE(std::any_of(mounts.begin(), mounts.end(), [&](const MountEntry& m) {
                return m.fstype == "tmpfs" && m.target == dir && m.source == "nfy src";
            }));
        } catch (...) {
            failure = std::current_exception();
        }
    }).join();
    if (failure) std::rethrow_exception(failure);
}

}  // namespace
}  // namespace nf::os
