#include "lab/topology/readiness.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstring>
#include <thread>

#include "common/error.h"
#include "common/unique_fd.h"

namespace nf::lab {

bool unix_socket_accepts(const std::filesystem::path& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const auto text = path.string();
    if (text.size() >= sizeof addr.sun_path) throw ConfigError("socket path too long: " + text);
    std::memcpy(addr.sun_path, text.c_str(), text.size() + 1);
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) throw_errno("socket(AF_UNIX)");
    return ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0;
}

void wait_for_unix_socket(const std::filesystem::path& path, std::chrono::milliseconds timeout,
                          const ProcessRecord* owner) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::string whose = owner ? owner->name + " (pid " + std::to_string(owner->pid) + ", log " +
                                          owner->log.string() + ")"
                                    : std::string("its owner");
    for (;;) {
        if (unix_socket_accepts(path)) return;
        if (owner && !process_alive(*owner))
            throw SystemError(ESRCH, whose + " exited before " + path.string() + " accepted connections");
        if (std::chrono::steady_clock::now() >= deadline)
            throw SystemError(ETIMEDOUT, path.string() + " did not accept connections within " +
                                             std::to_string(timeout.count()) + " ms; waited for " + whose);
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace nf::lab
