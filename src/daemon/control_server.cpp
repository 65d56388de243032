#include "daemon/control_server.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <exception>

#include <spdlog/spdlog.h>

#include "common/error.h"

namespace nf::daemon {

using nlohmann::json;

namespace {

constexpr std::uint64_t kListenerId = 0;

void epoll_control(int epoll, int op, int fd, std::uint32_t events, std::uint64_t id) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    if (::epoll_ctl(epoll, op, fd, &ev) != 0) throw_errno("epoll_ctl on the control socket");
}

}  // namespace

ControlServer::ControlServer(std::string path, ControlHandlers handlers, ControlLimits limits)
    : path_(std::move(path)), handlers_(std::move(handlers)), limits_(limits) {
    epoll_ = UniqueFd(::epoll_create1(EPOLL_CLOEXEC));
    if (!epoll_) throw_errno("epoll_create1 for the control socket");
    listener_ = listen_on_control_socket(path_);
    epoll_control(epoll_.get(), EPOLL_CTL_ADD, listener_.fd.get(), EPOLLIN, kListenerId);
}

ControlServer::~ControlServer() { unlink_control_socket(path_, listener_); }

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
            {"requests", c.requests},
            {"bad_requests", c.bad_requests},
            {"oversized_requests", c.oversized_requests},
            {"events_published", c.events_published},
            {"slow_clients_dropped", c.slow_clients_dropped}};
}

void ControlServer::dispatch() {
    std::array<epoll_event, 32> events{};
    for (;;) {
        const int n = ::epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("epoll_wait on the control socket");
        for (int i = 0; i < n; ++i) {
            const std::uint64_t id = events[i].data.u64;
            if (id == kListenerId) {
                accept_clients();
                continue;
            }
            auto it = clients_.find(id);
            if (it == clients_.end()) continue;
            Client& client = it->second;
            if (!client.doomed && (events[i].events & EPOLLOUT)) flush(client);
            if (!client.doomed && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) on_readable(client);
        }
        drop_doomed();
        if (n < static_cast<int>(events.size())) return;
    }
}

void ControlServer::accept_clients() {
    for (;;) {
        UniqueFd fd(::accept4(listener_.fd.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (!fd) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
            if (errno == ECONNABORTED) continue;
            spdlog::warn("control socket {}: accept: {}", path_, std::strerror(errno));
            return;   // EMFILE and friends: the next dispatch tries again
        }
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

void ControlServer::on_readable(Client& client) {
    std::array<char, 4096> buffer{};
    while (!client.doomed) {
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
        client.input.append(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
        while (!client.doomed) {
            const auto line = client.input.next();
            if (!line) break;
            handle_line(client, *line);
        }
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
    drop_doomed();
}

void ControlServer::queue(Client& client, const std::string& line) {
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
