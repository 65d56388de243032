#include "failoverd_control/control_client.h"

#include <poll.h>
#include <sys/socket.h>

#include <array>

#include "common/error.h"
#include "common/json_input.h"
#include "common/unix_socket.h"

namespace nf::daemon {
namespace {

using Clock = std::chrono::steady_clock;

// Milliseconds left until `deadline` for poll(); -1 waits forever.
int remaining_ms(std::optional<Clock::time_point> deadline) {
    if (!deadline) return -1;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - Clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
}

}  // namespace

ControlClient ControlClient::connect(const std::string& path, std::chrono::milliseconds timeout) {
    try {
        // No daemon is an answer for the user at once; only a full listen backlog is waited out.
        return ControlClient(connect_unix(path, timeout, ServerWait::no), path);
    } catch (const SystemError& e) {
        throw SystemError(e.errno_value(), "no failoverd at " + path);
    }
}

void ControlClient::send(const nlohmann::json& message, std::chrono::milliseconds timeout) {
    const std::string line = to_line(message);
    const auto deadline = Clock::now() + timeout;
    std::size_t sent = 0;
    while (sent < line.size()) {
        const ssize_t n = ::send(fd_.get(), line.data() + sent, line.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) throw_errno("failoverd at " + path_ + ": send");
        pollfd p{fd_.get(), POLLOUT, 0};
        const int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready == 0) throw SystemError(ETIMEDOUT, "failoverd at " + path_ + ": send");
        if (ready < 0 && errno != EINTR) throw_errno("failoverd at " + path_ + ": poll");
    }
}

std::optional<std::string> ControlClient::read_line(std::optional<std::chrono::milliseconds> timeout) {
    std::optional<Clock::time_point> deadline;
    if (timeout) deadline = Clock::now() + *timeout;
    std::array<char, 8192> buffer{};
    for (;;) {
        if (auto line = input_.next()) {
            if (line->oversized) throw SystemError(EMSGSIZE, "failoverd at " + path_ + ": reply too long");
            return std::move(line->text);
        }
        pollfd p{fd_.get(), POLLIN, 0};
        const int ready = ::poll(&p, 1, remaining_ms(deadline));
        if (ready < 0) {
            if (errno == EINTR) continue;
            throw_errno("failoverd at " + path_ + ": poll");
        }
        if (ready == 0) throw SystemError(ETIMEDOUT, "failoverd at " + path_ + ": no reply");
        const ssize_t n = ::recv(fd_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n == 0) return std::nullopt;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            throw_errno("failoverd at " + path_ + ": recv");
        }
        input_.append(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    }
}

nlohmann::json ControlClient::request(const nlohmann::json& request, std::chrono::milliseconds timeout) {
    send(request, timeout);
    const auto line = read_line(timeout);
    if (!line) throw SystemError(ECONNRESET, "failoverd at " + path_ + " closed the connection");
    JsonInput reply = parse_json_input(*line);
    if (!reply.value || !reply.value->is_object())
        throw SystemError(EPROTO, "failoverd at " + path_ + ": reply is not a JSON object");
    return std::move(*reply.value);
}

}  // namespace nf::daemon
