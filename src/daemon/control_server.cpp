#include "daemon/control_server.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <exception>

#include <spdlog/spdlog.h>

#include "common/error.h"

namespace nf::daemon {

using nlohmann::json;

namespace {

constexpr std::uint64_t kListenerId = 0;
constexpr std::uint64_t kBacklogId = UINT64_MAX;

void epoll_control(int epoll, int op, int fd, std::uint32_t events, std::uint64_t id) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    if (::epoll_ctl(epoll, op, fd, &ev) != 0) throw_errno("epoll_ctl on the control socket");
}

}  // namespace

ControlServer::ControlServer(std::string path, ControlHandlers handlers, ControlLimits limits, SocketAccess access)
    : path_(std::move(path)), handlers_(std::move(handlers)), limits_(limits), access_(access) {
    epoll_ = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_) throw_errno("epoll_create1 for the control socket");
    backlog_event_ = UniqueFd(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!backlog_event_) throw_errno("eventfd for the control socket");
    epoll_control(epoll_.get(), EPOLL_CTL_ADD, backlog_event_.get(), EPOLLIN, kBacklogId);
    try {
        listener_ = listen_unix(path_, 16, access_);
    } catch (const SystemError& e) {
        if (e.errno_value() != EADDRINUSE) throw;
        throw SystemError(EADDRINUSE, "control socket " + path_ + ": failoverd already running");
    }
    epoll_control(epoll_.get(), EPOLL_CTL_ADD, listener_.fd(), EPOLLIN, kListenerId);
}

// Clients close first, then the listener unlinks the socket file if it is still ours.
ControlServer::~ControlServer() = default;

std::size_t ControlServer::subscriber_count() const {
    std::size_t n = 0;
    for (const auto& [id, client] : clients_) n += client.subscribed && !client.doomed ? 1 : 0;
    return n;
}

json ControlServer::counters_json() const {
    const auto& c = counters_;
    return {{"clients", clients_.size()},
            {"subscribers", subscriber_count()},
            {"clients_accepted", c.clients_accepted},
            {"clients_refused", c.clients_refused},
            {"peers_refused", c.peers_refused},
            {"requests", c.requests},
            {"bad_requests", c.bad_requests},
            {"oversized_requests", c.oversized_requests},
            {"events_published", c.events_published},
            {"slow_clients_dropped", c.slow_clients_dropped}};
}

void ControlServer::dispatch() {
    std::array<epoll_event, 64> events{};
    int n = 0;
    do n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) throw_errno("epoll_wait on the control socket");

    // A handler may publish an event that dooms the very client being served: keep every Client in place
    // until the round is over. One epoll_wait per round: what is left fires again (level-triggered).
    struct RoundEnd {
        ControlServer& server;
        ~RoundEnd() {
            server.dispatching_ = false;
            server.drop_doomed();
            server.signal_backlog();
        }
    } round_end{*this};
    dispatching_ = true;
    ++round_;
    bool backlog = false;
    for (int i = 0; i < n; ++i) {
        const std::uint64_t id = events[i].data.u64;
        if (id == kListenerId) {
            accept_clients();
            continue;
        }
        if (id == kBacklogId) {
            backlog = true;
            continue;
        }
        auto it = clients_.find(id);
        if (it == clients_.end()) continue;
        Client& client = it->second;
        if (!client.doomed && (events[i].events & EPOLLOUT)) flush(client);
        if (!client.doomed && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) serve(client, true);
    }
    if (!backlog) return;
    for (auto& [id, client] : clients_)
        if (client.backlogged && !client.doomed && client.served_round != round_) serve(client, false);
}

void ControlServer::accept_clients() {
    for (;;) {
        UniqueFd fd;
        try {
            fd = accept_unix(listener_.fd(), access_, counters_.peers_refused);
        } catch (const SystemError& e) {
            spdlog::warn("control socket {}: {}", path_, e.what());
            return;   // EMFILE and friends: the next dispatch tries again
        }
        if (!fd) return;
        if (clients_.size() >= limits_.max_clients) {
            ++counters_.clients_refused;
            const std::string line = to_line(error_reply("too many control clients"));
            [[maybe_unused]] auto ignored = ::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            continue;
        }
        const std::uint64_t id = next_id_++;
        auto [it, inserted] = clients_.emplace(id, Client{id, std::move(fd), LineBuffer(limits_.max_request_line)});
        epoll_control(epoll_.get(), EPOLL_CTL_ADD, it->second.fd.get(), EPOLLIN, id);
        ++counters_.clients_accepted;
    }
}

// Answers the client's buffered requests, oldest first, then reads more (when `readable`), within one
// share per round: max_requests_per_dispatch answers and max_read_per_dispatch bytes.
void ControlServer::serve(Client& client, bool readable) {
    client.served_round = round_;
    std::array<char, 4096> buffer{};
    std::size_t answered = 0;
    std::size_t read = 0;
    for (;;) {
        while (!client.doomed && answered < limits_.max_requests_per_dispatch) {
            const auto line = client.input.next();
            if (!line) break;
            handle_line(client, *line);
            ++answered;
        }
        client.backlogged = answered >= limits_.max_requests_per_dispatch;
        if (client.doomed || client.backlogged || !readable || read >= limits_.max_read_per_dispatch) return;
        const ssize_t n = ::recv(client.fd.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
        if (n == 0) {
            client.doomed = true;   // the client went away
            return;
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) client.doomed = true;
            return;
        }
        read += static_cast<std::size_t>(n);
        client.input.append(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
    }
}

// Keeps the backlog eventfd readable exactly while some client has requests waiting.
void ControlServer::signal_backlog() noexcept {
    bool waiting = false;
    for (const auto& [id, client] : clients_) waiting = waiting || (client.backlogged && !client.doomed);
    if (waiting == backlog_signalled_) return;
    std::uint64_t value = 1;
    const ssize_t n = waiting ? ::write(backlog_event_.get(), &value, sizeof value)
                              : ::read(backlog_event_.get(), &value, sizeof value);
    if (n != static_cast<ssize_t>(sizeof value)) {
        // Runs at the end of every round, even while unwinding: report, and retry next round.
        spdlog::error("control socket {}: backlog eventfd: {}", path_, std::strerror(errno));
        return;
    }
    backlog_signalled_ = waiting;
}

void ControlServer::handle_line(Client& client, const LineBuffer::Line& line) {
    json reply;
    if (line.oversized) {
        ++counters_.oversized_requests;
        reply = error_reply("request longer than " + std::to_string(limits_.max_request_line) + " bytes");
    } else if (line.text.find_first_not_of(" \t") == std::string::npos) {
        return;   // blank lines are harmless keep-alives
    } else {
        ++counters_.requests;
        reply = answer(client, line.text);
    }
    queue(client, to_line(reply));
}

json ControlServer::answer(Client& client, const std::string& line) {
    ControlRequest request;
    try {
        request = parse_request(line);
    } catch (const ConfigError& e) {
        ++counters_.bad_requests;
        return error_reply(e.what());
    }
    try {
        if (std::holds_alternative<StatusRequest>(request)) return ok_reply({{"status", handlers_.status()}});
        if (std::holds_alternative<EventsRequest>(request)) {
            client.subscribed = true;
            return ok_reply({{"subscribed", "events"}});
        }
        const auto choice = std::get<SetActiveRequest>(request).value;
        if (auto error = handlers_.set_active(choice)) return error_reply(*error);
        return ok_reply({{"active", to_string(choice)}});
    } catch (const std::exception& e) {
        spdlog::error("control socket {}: request failed: {}", path_, e.what());
        return error_reply(std::string("failoverd could not answer: ") + e.what());
    }
}

void ControlServer::publish_event(const json& event) {
    ++counters_.events_published;
    const std::string line = to_line(event);
    for (auto& [id, client] : clients_)
        if (client.subscribed && !client.doomed) queue(client, line);
    if (!dispatching_) drop_doomed();   // else a Client& may be live up the stack: dispatch() drops them
}

void ControlServer::queue(Client& client, const std::string& line) {
    if (client.doomed) return;   // e.g. dropped by an event its own request published
    if (client.output.size() + line.size() > limits_.max_pending_output) {
        ++counters_.slow_clients_dropped;
        spdlog::warn("control socket {}: dropping a client that does not read ({} bytes pending)", path_,
                     client.output.size());
        client.doomed = true;
        return;
    }
    client.output += line;
    flush(client);
}

void ControlServer::flush(Client& client) {
    while (!client.output.empty()) {
        const ssize_t n = ::send(client.fd.get(), client.output.data(), client.output.size(),
                                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            client.doomed = true;   // EPIPE, ECONNRESET: gone
            return;
        }
        client.output.erase(0, static_cast<std::size_t>(n));
    }
    watch(client, !client.output.empty());
}

void ControlServer::watch(Client& client, bool writing) {
    if (client.writing == writing) return;
    epoll_control(epoll_.get(), EPOLL_CTL_MOD, client.fd.get(), EPOLLIN | (writing ? EPOLLOUT : 0u), client.id);
    client.writing = writing;
}

void ControlServer::drop_doomed() {
    // Closing the fd removes it from the epoll set.
    std::erase_if(clients_, [](const auto& entry) { return entry.second.doomed; });
}

}  // namespace nf::daemon
