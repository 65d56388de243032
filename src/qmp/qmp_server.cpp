#include "qmp/qmp_server.h"

#include <spdlog/spdlog.h>

#include <cerrno>

#include "common/error.h"
#include "common/json_input.h"
#include "common/unix_socket.h"

namespace nf::qmp {

QmpServer::QmpServer(EventLoop& loop, QmpServerOptions options, CommandHandler handler)
    : loop_(loop), options_(std::move(options)), handler_(std::move(handler)),
      listener_(listen_unix(options_.socket_path, 16, options_.access)),
      acceptor_(loop_, listener_.fd(), "qmp accept", [this](UniqueFd fd) { add_client(std::move(fd)); }) {}

QmpServer::~QmpServer() {
    for (const auto& [fd, client] : clients_) loop_.remove(fd);
}

QmpServerCounters QmpServer::counters() const {
    QmpServerCounters counters = counters_;
    counters.accept_exhausted = acceptor_.counters().exhausted;
    return counters;
}

void QmpServer::add_client(UniqueFd fd) {
    if (!admit_peer(fd.get(), options_.access, counters_.peers_refused, "qmp")) return;
    if (clients_.size() >= options_.max_clients) {
        ++counters_.clients_refused;
        spdlog::warn("qmp: refusing client, {} already connected", clients_.size());
        return;  // closing the fd tells the client
    }
    const int raw = fd.get();
    auto client = std::make_unique<Client>(
        Client{LineConnection(std::move(fd), options_.max_line, options_.max_pending_output)});
    ++counters_.clients_accepted;
    if (!client->connection.send(dump_json(greeting(options_.version)) + "\n")) return;
    client->writing = client->connection.wants_write();
    loop_.add(raw, EPOLLIN | (client->writing ? EPOLLOUT : 0u),
              [this, raw](std::uint32_t events) { client_ready(raw, events); }, "qmp client");
    clients_.emplace(raw, std::move(client));
}

void QmpServer::client_ready(int fd, std::uint32_t events) {
    const auto it = clients_.find(fd);
    if (it == clients_.end()) return;
    Client& client = *it->second;
    bool keep = true;
    {
        serving_ = true;
        // Reset also when a handler throws (the loop contains it): clients must be erasable again.
        struct Served {
            bool& serving;
            ~Served() { serving = false; }
        } served{serving_};
        if (events & EPOLLOUT) keep = client.connection.flush();
        if (keep && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) keep = serve_client(client);
    }
    if (!keep) client.dropped = true;
    sync_clients();
}

void QmpServer::sync_clients() {
    for (auto it = clients_.begin(); it != clients_.end();) {
        Client& client = *it->second;
        if (client.dropped) {
            loop_.remove(it->first);
            it = clients_.erase(it);
            continue;
        }
        if (client.writing != client.connection.wants_write()) {
            client.writing = client.connection.wants_write();
            loop_.modify(it->first, EPOLLIN | (client.writing ? EPOLLOUT : 0u));
        }
        ++it;
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
        ParsedCommand parsed;
        try {
            parsed = parse_command(line);
        } catch (const std::exception& e) {
            // A parser gap (a value nlohmann refuses past parse_error) is the client's bad line, not ours
            // to die of: answered like any malformed input.
            parsed = ParsedCommand{std::nullopt, QmpError{"GenericError", std::string("QMP input: ") + e.what()}, {}};
        }
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
        ++counters_.command_errors;
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
    if (!serving_) sync_clients();
}

}  // namespace nf::qmp
