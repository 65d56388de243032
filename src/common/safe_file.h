#pragma once
// Run and state files (/run/netfailover/...) are written and read as root in directories other processes
// may see: every open is O_NOFOLLOW (a symlink planted at our path is refused, never followed), writes go
// to a fresh O_EXCL temporary renamed over the target (a crash never leaves half a file), and the
// directories we create are 0755 whatever the umask, then checked: a directory that someone else owns or
// can write to (without the sticky bit) is refused, because they could swap our file for theirs.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace nf {

// mkdir -p with mode 0755 for the parts that are missing, then check_safe_directory(dir).
// Throws nf::SystemError naming the directory.
void create_safe_directories(const std::filesystem::path& dir);
// Throws nf::SystemError (EPERM, ENOTDIR) unless `dir` is a directory owned by root or us that neither
// group nor others can write to (unless sticky, like /tmp).
void check_safe_directory(const std::filesystem::path& dir);

// The file's bytes, or nullopt when it does not exist. Refuses a symlink (ELOOP), a non-regular file and
// more than `max_bytes`. Throws nf::SystemError naming the path.
std::optional<std::string> read_file_nofollow(const std::filesystem::path& path, std::size_t max_bytes = 1 << 20);
// Writes `content` to `path` atomically (temporary + fsync + rename) with `mode`, creating the directory
// with create_safe_directories. Throws nf::SystemError naming the path.
void write_file_atomic(const std::filesystem::path& path, std::string_view content, unsigned mode = 0644);

}  // namespace nf
