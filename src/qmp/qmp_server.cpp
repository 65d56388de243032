#include "qmp/qmp_server.h"

#include <spdlog/spdlog.h>

#include <cerrno>

#include "common/error.h"
#include "common/unix_socket.h"

namespace nf::qmp {

QmpServer::QmpServer(QmpServerOptions options, CommandHandler handler)
    : options_(std::move(options)), handler_(std::move(handler)), listener_(listen_unix(options_.socket_path, 16, options_.access)) {}

QmpServer::~QmpServer() = default;

std::vector<pollfd> QmpServer::poll_fds() const {
    std::vector<pollfd> fds{{listener_.fd(), POLLIN, 0}};
    for (const auto& [fd, client] : clients_)
        fds.push_back({fd, static_cast<short>(POLLIN | (client->connection.wants_write() ? POLLOUT : 0)), 0});
    return fds;
}

void QmpServer::poll_once(int timeout_ms) {
    auto fds = poll_fds();
    const int rc = ::poll(fds.data(), fds.size(), timeout_ms);
    if (rc < 0) {
        if (errno == EINTR) return;
        throw_errno("poll on QMP sockets");
    }
    for (const auto& p : fds)
        if (p.revents) handle(p);
}

void QmpServer::handle(const pollfd& ready) {
    if (ready.fd == listener_.fd()) {
        accept_clients();
        return;
    }
    const auto it = clients_.find(ready.fd);
    if (it == clients_.end()) return;
    bool keep = true;
    serving_ = true;
    if (ready.revents & POLLOUT) keep = it->second->connection.flush();
    if (keep && (ready.revents & (POLLIN | POLLHUP | POLLERR))) keep = serve_client(*it->second);
    serving_ = false;
    if (!keep) it->second->dropped = true;
    erase_dropped();
}

void QmpServer::erase_dropped() {
    std::erase_if(clients_, [](const auto& entry) { return entry.second->dropped; });
}

void QmpServer::accept_clients() {
    while (UniqueFd fd = accept_unix(listener_.fd(), options_.access, counters_.peers_refused)) {
        if (clients_.size() >= options_.max_clients) {
            ++counters_.clients_refused;
            spdlog::warn("qmp: refusing client, {} already connected", clients_.size());
            continue;  // closing the fd tells the client
        }
        const int raw = fd.get();
        auto client = std::make_unique<Client>(
            Client{LineConnection(std::move(fd), options_.max_line, options_.max_pending_output)});
        ++counters_.clients_accepted;
        if (client->connection.send(greeting(options_.version).dump() + "\n")) clients_.emplace(raw, std::move(client));
    }
}

bool QmpServer::serve_client(Client& client) {
    LineConnection::Input fed;
    const bool open = client.connection.read_available(fed);
    bool ok = true;
    for (std::size_t i = 0; ok && i < fed.oversized; ++i) {
        ++counters_.oversized_lines;
        ok = client.connection.send(encode_reply(
            QmpError{"GenericError", "QMP input exceeds the limit of " + std::to_string(options_.max_line) +
                                         " bytes per line"},
            std::nullopt));
    }
    for (const auto& line : fed.lines) {
        if (!ok || client.dropped) break;
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        const ParsedCommand parsed = parse_command(line);
        if (!parsed.command) {
            ++counters_.malformed;
            ok = client.connection.send(encode_reply(parsed.error, parsed.id));
            continue;
        }
        ++counters_.commands;
        ok = client.connection.send(encode_reply(dispatch(client, *parsed.command), parsed.command->id));
    }
    if (!ok) ++counters_.clients_dropped;
    return open && ok;
}

QmpResult QmpServer::dispatch(Client& client, const QmpCommand& command) {
    if (command.execute == "qmp_capabilities") {
        if (client.negotiated)
            return QmpError{"CommandNotFound", "Capabilities negotiation is already complete, command ignored"};
        if (const auto enable = command.arguments.find("enable");
            enable != command.arguments.end() && !(enable->is_array() && enable->empty()))
            return QmpError{"GenericError", "Capability negotiation: no optional capabilities are available"};
        client.negotiated = true;
        return nlohmann::json::object();
    }
    if (!client.negotiated)
        return QmpError{"CommandNotFound", "Expecting capabilities negotiation with 'qmp_capabilities'"};
    if (command.execute == "query-version") return greeting(options_.version)["QMP"]["version"];
    try {
        return handler_(command.execute, command.arguments);
    } catch (const std::exception& e) {
        // A handler bug must not take the control socket down with it.
        spdlog::error("qmp: command {} failed: {}", command.execute, e.what());
        return QmpError{"GenericError", command.execute + ": " + e.what()};
    }
}

void QmpServer::broadcast(const std::string& event, const nlohmann::json& data) {
    const std::string line = encode_event(event, data);
    ++counters_.events_broadcast;
    for (auto& [fd, client] : clients_) {
        if (!client->negotiated || client->dropped) continue;
        if (!client->connection.send(line)) {
            ++counters_.clients_dropped;
            client->dropped = true;
        }
    }
    if (!serving_) erase_dropped();
}

}  // namespace nf::qmp
