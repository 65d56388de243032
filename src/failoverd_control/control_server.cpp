#include "failoverd_control/control_server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <exception>
#include <functional>

#include <spdlog/spdlog.h>

#include "common/error.h"

namespace nf::daemon {

using nlohmann::json;

namespace {

UnixListener claim_socket(const std::string& path, const SocketAccess& access) {
    try {
        return listen_unix(path, 16, access);
    } catch (const SystemError& e) {
        if (e.errno_value() != EADDRINUSE) throw;
        throw SystemError(EADDRINUSE, "control socket " + path + ": failoverd already running");
    }
}

}  // namespace

ControlServer::ControlServer(EventLoop& loop, std::string path, ControlHandlers handlers, ControlLimits limits,
                             SocketAccess access)
    : loop_(loop), path_(std::move(path)), handlers_(std::move(handlers)), limits_(limits), access_(access),
      listener_(claim_socket(path_, access_)),
      acceptor_(loop_, listener_.fd(), "control accept", [this](UniqueFd fd) { add_client(std::move(fd)); }) {}

// Clients are unwatched and closed first, then the listener unlinks the socket file if it is still ours.
ControlServer::~ControlServer() {
    loop_.cancel(backlog_timer_);
    for (const auto& [id, client] : clients_) loop_.remove(client.fd.get());
}

ControlCounters ControlServer::counters() const {
    ControlCounters counters = counters_;
    counters.accept_exhausted = acceptor_.counters().exhausted;
    return counters;
}

std::size_t ControlServer::subscriber_count() const {
    std::size_t n = 0;
    for (const auto& [id, client] : clients_) n += client.subscribed && !client.doomed ? 1 : 0;
    return n;
}

void ControlServer::add_client(UniqueFd fd) {
    if (!admit_peer(fd.get(), access_, counters_.peers_refused, "control socket " + path_)) return;
    if (clients_.size() >= limits_.max_clients) {
        ++counters_.clients_refused;
        const std::string line = to_line(error_reply("too many control clients"));
        [[maybe_unused]] auto ignored = ::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        return;
    }
    const std::uint64_t id = next_id_++;
    const int raw = fd.get();
    loop_.add(raw, EPOLLIN, [this, id](std::uint32_t events) { client_ready(id, events); }, "control client");
    clients_.emplace(id, Client{id, std::move(fd), LineBuffer(limits_.max_request_line)});
    ++counters_.clients_accepted;
}

namespace {

// A handler may publish an event that dooms the very client being served: every Client stays in place
// until its service is over (also when a handler throws; the loop contains it).
struct ControlServiceScope {
    bool& serving;
    std::function<void()> end;
    ~ControlServiceScope() {
        serving = false;
        end();
    }
};

}  // namespace

void ControlServer::client_ready(std::uint64_t id, std::uint32_t events) {
    const auto it = clients_.find(id);
    if (it == clients_.end()) return;
    serving_ = true;
    const ControlServiceScope scope{serving_, [this] { end_of_service(); }};
    Client& client = it->second;
    if (!client.doomed && (events & EPOLLOUT)) flush(client);
    if (!client.doomed && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) serve(client, true);
}

void ControlServer::serve_backlog() {
    backlog_timer_ = 0;
    serving_ = true;
    const ControlServiceScope scope{serving_, [this] { end_of_service(); }};
    const std::uint64_t round = loop_.counters().rounds;
    for (auto& [id, client] : clients_)
        if (client.backlogged && !client.doomed && client.served_round != round) serve(client, false);
}

void ControlServer::end_of_service() {
    drop_doomed();
    bool waiting = false;
    for (const auto& [id, client] : clients_) waiting = waiting || client.backlogged;
    if (waiting && !backlog_timer_) {
        try {
            backlog_timer_ = loop_.after(EventLoop::Clock::duration::zero(), [this] { serve_backlog(); },
                                         "control backlog");
        } catch (const std::exception& e) {
            // Runs while unwinding too: the client's next request (or its next byte) serves it instead.
            spdlog::error("control socket {}: backlog timer: {}", path_, e.what());
        }
    }
}

// Answers the client's buffered requests, oldest first, then reads more (when `readable`), within one
// share per loop round: max_requests_per_dispatch answers and max_read_per_dispatch bytes.
void ControlServer::serve(Client& client, bool readable) {
    client.served_round = loop_.counters().rounds;
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
        if (std::holds_alternative<StatusRequest>(request)) return ok_reply({{"status", to_json(handlers_.status())}});
        if (std::holds_alternative<EventsRequest>(request)) {
            client.subscribed = true;
            return ok_reply({{"subscribed", "events"}});
        }
        if (std::holds_alternative<ResyncRequest>(request)) {
            if (!handlers_.resync) return error_reply("resync is not supported here");
            if (auto error = handlers_.resync()) return error_reply(*error);
            return ok_reply({{"resynced", true}});
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
    if (!serving_) drop_doomed();   // else a Client& may be live up the stack: end_of_service() drops them
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
    loop_.modify(client.fd.get(), EPOLLIN | (writing ? EPOLLOUT : 0u));
    client.writing = writing;
}

void ControlServer::drop_doomed() {
    for (auto it = clients_.begin(); it != clients_.end();) {
        if (!it->second.doomed) {
            ++it;
            continue;
        }
        loop_.remove(it->second.fd.get());
        it = clients_.erase(it);
    }
}

}  // namespace nf::daemon
