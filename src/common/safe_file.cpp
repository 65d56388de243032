#include "common/safe_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "common/error.h"
#include "common/unique_fd.h"

namespace nf {

void create_safe_directories(const std::filesystem::path& dir) {
    const auto absolute = std::filesystem::absolute(dir);
    std::filesystem::path partial;
    for (const auto& part : absolute) {
        partial /= part;
        if (partial == absolute.root_path()) continue;
        struct stat st{};
        if (::lstat(partial.c_str(), &st) == 0) continue;
        if (errno != ENOENT) throw_errno("directory " + partial.string());
        // mkdir honours the umask: chmod what we just made (by path is safe here, it is ours and new).
        if (::mkdir(partial.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("create directory " + partial.string());
        if (::chmod(partial.c_str(), 0755) != 0) throw_errno("chmod 0755 " + partial.string());
    }
    check_safe_directory(absolute);
}

void check_safe_directory(const std::filesystem::path& dir) {
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0) throw_errno("directory " + dir.string());
    if (!S_ISDIR(st.st_mode)) throw SystemError(ENOTDIR, "directory " + dir.string() + ": not a directory");
    if (st.st_uid != 0 && st.st_uid != ::geteuid())
        throw SystemError(EPERM, "directory " + dir.string() + " is owned by uid " + std::to_string(st.st_uid) +
                                     ", not by root or us: refusing to keep sockets or state there");
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
        throw SystemError(EPERM, "directory " + dir.string() +
                                     " is writable by group or others (and not sticky): refusing to keep sockets "
                                     "or state there");
}

std::optional<std::string> read_file_nofollow(const std::filesystem::path& path, std::size_t max_bytes) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
    if (!fd) {
        if (errno == ENOENT) return std::nullopt;
        if (errno == ELOOP) throw SystemError(ELOOP, path.string() + " is a symlink; refusing to follow it");
        throw_errno("open " + path.string());
    }
    struct stat st{};
    if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + path.string());
    if (!S_ISREG(st.st_mode)) throw SystemError(EINVAL, path.string() + " is not a regular file");
    if (static_cast<std::size_t>(st.st_size) > max_bytes)
        throw SystemError(EFBIG, path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
    std::string text;
    char buffer[8192];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_errno("read " + path.string());
        }
        if (n == 0) return text;
        text.append(buffer, static_cast<std::size_t>(n));
        if (text.size() > max_bytes)
            throw SystemError(EFBIG, path.string() + " is larger than " + std::to_string(max_bytes) + " bytes");
    }
}

void write_file_atomic(const std::filesystem::path& path, std::string_view content, unsigned mode) {
    create_safe_directories(path.parent_path().empty() ? std::filesystem::path(".") : path.parent_path());
    const std::string tmp = path.string() + ".tmp";
    if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) throw_errno("remove stale " + tmp);   // never follows
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
    if (!fd) throw_errno("create " + tmp);
    const auto fail = [&](const std::string& what) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw_errno(err, what + " " + tmp);
    };
    if (::fchmod(fd.get(), mode) != 0) fail("fchmod");
    for (std::size_t done = 0; done < content.size();) {
        const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("write");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd.get()) != 0) fail("fsync");
    fd.reset();
    // rename replaces whatever is at `path` (a symlink included) and never follows it.
    if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename to " + path.string() + ":");
}

}  // namespace nf
