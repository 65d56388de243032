#include "qmp/qmp_client.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "common/json_input.h"
#include "common/unix_socket.h"

namespace nf::qmp {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {
constexpr std::size_t kMaxReplyLine = 16 << 20;  // query replies can be large; still bounded
constexpr std::size_t kMaxOutput = 1 << 20;
}  // namespace

QmpClient::QmpClient(UniqueFd fd) : connection_(std::move(fd), kMaxReplyLine, kMaxOutput) {}

QmpClient QmpClient::connect(const std::string& socket_path, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    return greeted(connect_unix(socket_path, timeout), socket_path, deadline);
}

QmpClient QmpClient::greeted(UniqueFd fd, const std::string& peer, Clock::time_point deadline) {
    QmpClient client(std::move(fd));
    auto first = client.next_message(deadline);
    if (!first) throw QmpClientError("qmp: no greeting from " + peer);
    if (!first->contains("QMP")) throw QmpClientError("qmp: " + peer + " sent no QMP greeting: " + dump_json(*first));
    client.greeting_ = std::move(*first);
    return client;
}

// No library connects a TCP socket with a deadline; getaddrinfo + a non-blocking connect + poll is the idiom.
QmpClient QmpClient::connect_tcp(const std::string& host, const std::string& port, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    const std::string peer = "tcp:" + host + ":" + port;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0)
        throw QmpClientError("qmp: " + peer + ": " + ::gai_strerror(rc));
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, &::freeaddrinfo);
    std::string last_error = "no address";
    for (addrinfo* a = list.get(); a; a = a->ai_next) {
        UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
        if (!fd) {
            last_error = std::strerror(errno);
            continue;
        }
        int rc = ::connect(fd.get(), a->ai_addr, a->ai_addrlen);
        if (rc < 0 && errno == EINPROGRESS) {
            const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
            int err = ETIMEDOUT;
            socklen_t len = sizeof err;
            if (left.count() > 0 && wait_fd(fd.get(), POLLOUT, left))
                ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err == 0 ? 0 : -1;
            errno = err;
        }
        if (rc == 0) return greeted(std::move(fd), peer, deadline);
        last_error = std::strerror(errno);
    }
    throw QmpClientError("qmp: connect " + peer + ": " + last_error);
}

void QmpClient::negotiate(Millis timeout) { execute_ok("qmp_capabilities", json::object(), timeout); }

QmpResult QmpClient::execute(const std::string& command, const json& arguments, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    const json id = "nf-" + std::to_string(next_id_++);
    json request{{"execute", command}, {"id", id}};
    if (!arguments.is_null() && !arguments.empty()) request["arguments"] = arguments;
    send_raw(request.dump() + "\n");
    for (;;) {
        auto message = next_message(deadline);
        if (!message) throw QmpClientError("qmp: no reply to " + command + " within " + std::to_string(timeout.count()) + " ms");
        if (message->contains("event")) {
            keep_event(*message);
            continue;
        }
        if (message->value("id", json()) != id) continue;  // a reply to someone else's raw send
        if (message->contains("return")) return (*message)["return"];
        if (const auto error = message->find("error"); error != message->end() && error->is_object()) {
            // Read field by field: value() would throw on {"class": 1}.
            const auto text = [&](const char* key) {
                const auto it = error->find(key);
                return it != error->end() && it->is_string() ? it->get<std::string>() : std::string();
            };
            return QmpError{text("class"), text("desc")};
        }
        throw QmpClientError("qmp: malformed reply: " + dump_json(*message));
    }
}

json QmpClient::execute_ok(const std::string& command, const json& arguments, Millis timeout) {
    auto result = execute(command, arguments, timeout);
    if (auto* error = std::get_if<QmpError>(&result))
        throw QmpClientError(command + ": " + error->error_class + ": " + error->desc);
    return std::get<json>(std::move(result));
}

std::optional<QmpEvent> QmpClient::wait_event(const std::string& name, Millis timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
        for (auto it = events_.begin(); it != events_.end(); ++it) {
            if (it->name == name) {
                QmpEvent found = std::move(*it);
                events_.erase(it);
                return found;
            }
        }
        auto message = next_message(deadline);
        if (!message) return std::nullopt;
        if (message->contains("event")) keep_event(*message);
    }
}

void QmpClient::keep_event(const json& message) {
    auto event = decode_event(message);
    if (!event) {
        ++events_malformed_;
        return;
    }
    if (events_.size() >= kMaxQueuedEvents) {
        events_.pop_front();
        ++events_dropped_;
    }
    events_.push_back(std::move(*event));
}

std::optional<QmpEvent> QmpClient::next_event(Millis timeout) {
    const auto deadline = Clock::now() + std::max(timeout, Millis(1));  // 0 still reads what is readable
    for (;;) {
        if (!events_.empty()) {
            QmpEvent e = std::move(events_.front());
            events_.pop_front();
            return e;
        }
        auto message = next_message(deadline);
        if (!message) return std::nullopt;
        if (message->contains("event")) keep_event(*message);
    }
}

std::vector<QmpEvent> QmpClient::take_events() {
    std::vector<QmpEvent> all(std::make_move_iterator(events_.begin()), std::make_move_iterator(events_.end()));
    events_.clear();
    return all;
}

void QmpClient::send_raw(const std::string& bytes) {
    if (!connection_.send(bytes)) throw QmpClientError("qmp: connection lost while sending");
    while (connection_.wants_write()) {
        if (!wait_fd(connection_.fd(), POLLOUT, Millis(5000)) || !connection_.flush())
            throw QmpClientError("qmp: connection lost while sending");
    }
}

json QmpClient::read_message(Millis timeout) {
    auto message = next_message(Clock::now() + timeout);
    if (!message) throw QmpClientError("qmp: no message within " + std::to_string(timeout.count()) + " ms");
    return *message;
}

std::optional<json> QmpClient::next_message(Clock::time_point deadline) {
    while (lines_.empty()) {
        const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now());
        if (left.count() <= 0 || !wait_fd(connection_.fd(), POLLIN, left)) return std::nullopt;
        LineConnection::Input fed;
        const bool open = connection_.read_available(fed);
        for (auto& line : fed.lines) lines_.push_back(std::move(line));
        if (fed.oversized) throw QmpClientError("qmp: server sent a line over the client limit");
        if (!open && lines_.empty()) throw QmpClientError("qmp: server closed the connection");
    }
    const std::string line = std::move(lines_.front());
    lines_.pop_front();
    JsonInput input = parse_json_input(line);
    if (!input.value || !input.value->is_object())
        throw QmpClientError("qmp: server sent a line that is not a JSON object (" +
                             (input.value ? std::string("not an object") : input.error) + ")");
    return std::move(*input.value);
}

}  // namespace nf::qmp
