#include "os/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "common/error.h"
#include "common/unique_fd.h"
#include "os/ipv6_family.h"

namespace nf::os {

std::filesystem::path sysctl_path(std::string_view key) {
    if (key.empty() || key.find("..") != std::string_view::npos)
        throw ConfigError("invalid sysctl key '" + std::string(key) + "'");
    std::string rel(key);
    if (rel.find('/') == std::string::npos) std::replace(rel.begin(), rel.end(), '.', '/');
    while (!rel.empty() && rel.front() == '/') rel.erase(rel.begin());
    return std::filesystem::path("/proc/sys") / rel;
}

namespace {
// Simulated absent IPv6 (tests): /proc/sys/net/ipv6 does not exist, as with ipv6.disable=1.
void check_ipv6_path(const std::filesystem::path& path, const std::string& what) {
    if (detail::ipv6_simulated_absent() && path.string().starts_with("/proc/sys/net/ipv6"))
        throw SystemError(ENOENT, what + ": no such file or directory");
}
}  // namespace

std::string read_sysctl(std::string_view key) {
    const auto path = sysctl_path(key);
    check_ipv6_path(path, "read sysctl " + std::string(key));
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) throw_errno("read sysctl " + std::string(key));
    std::string out;
    char buf[512];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buf, sizeof buf);
        if (n < 0) throw_errno("read sysctl " + std::string(key));
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

void write_sysctl(std::string_view key, std::string_view value) {
    const auto path = sysctl_path(key);
    const std::string what = "write sysctl " + std::string(key) + "=" + std::string(value);
    check_ipv6_path(path, what);
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) throw_errno(what);
    // One write: proc handlers parse the whole value from a single call.
    const ssize_t n = ::write(fd.get(), value.data(), value.size());
    if (n < 0) throw_errno(what);
    if (static_cast<size_t>(n) != value.size()) throw SystemError(EIO, what + ": short write");
}

std::string read_sysctl(const Netns& netns, std::string_view key) {
    NetnsScope scope(netns);
    return read_sysctl(key);
}

void write_sysctl(const Netns& netns, std::string_view key, std::string_view value) {
    NetnsScope scope(netns);
    write_sysctl(key, value);
}

}  // namespace nf::os
