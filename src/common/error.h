#pragma once
// Errors cross part boundaries as exceptions that carry context ("what were we doing") and, for
// system calls, the errno. Callers at the edge (a main, the control socket) turn them into messages.
#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>

namespace nf {

// A failed system or netlink call: what we tried, and the errno it gave.
class SystemError : public std::system_error {
public:
    SystemError(int err, const std::string& what) : std::system_error(err, std::generic_category(), what) {}
    int errno_value() const noexcept { return code().value(); }
};

// Bad input from a user: a config field, a flag, a QMP argument. The message names the problem.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws SystemError for the current errno with the given context.
[[noreturn]] void throw_errno(const std::string& what);
[[noreturn]] void throw_errno(int err, const std::string& what);

// Returns `rc` when it is >= 0, else throws SystemError(errno, what).
inline long check_syscall(long rc, const std::string& what) {
    if (rc < 0) throw_errno(what);
    return rc;
}

}  // namespace nf
