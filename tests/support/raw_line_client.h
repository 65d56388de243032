#pragma once
// A deliberately dumb client for line-based unix sockets: sends any bytes, reads lines, never parses.
// What the hostile-input tests use to talk to QMP, the device channel and the control socket. Every wait
// is bounded. Header-only; include by relative path.
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/unique_fd.h"
#include "common/unix_socket.h"

namespace nf::test {

class RawLineClient {
public:
    using Millis = std::chrono::milliseconds;

    explicit RawLineClient(const std::string& path, Millis timeout = Millis(5000))
        : fd_(connect_unix(path, timeout)) {}

    int fd() const { return fd_.get(); }

    // Writes all of `bytes` before `timeout`; false when the peer is gone or did not take them in time.
    bool send(std::string_view bytes, Millis timeout = Millis(5000)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!bytes.empty()) {
            const ssize_t n = ::send(fd_.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                bytes.remove_prefix(static_cast<std::size_t>(n));
                continue;
            }
            if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
            const auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || !wait_fd(fd_.get(), POLLOUT, left)) return false;
        }
        return true;
    }

    // The next line (without "\n"); nullopt on EOF or timeout.
    std::optional<std::string> read_line(Millis timeout = Millis(5000)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (const auto nl = buffer_.find('\n'); nl != std::string::npos) {
                std::string line = buffer_.substr(0, nl);
                buffer_.erase(0, nl + 1);
                return line;
            }
            const auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || !wait_fd(fd_.get(), POLLIN, left)) return std::nullopt;
            char chunk[65536];
            const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, MSG_DONTWAIT);
            if (n == 0) return std::nullopt;
            if (n < 0) {
                if (errno == EAGAIN || errno == EINTR) continue;
                return std::nullopt;
            }
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    // Whether the server closed the connection (EOF or reset) within `timeout`, discarding what it sent.
    bool closed_by_peer(Millis timeout = Millis(5000)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0 || !wait_fd(fd_.get(), POLLIN, left)) return false;
            char chunk[65536];
            const ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
        }
    }

private:
    UniqueFd fd_;
    std::string buffer_;
};

}  // namespace nf::test
