#pragma once
// A QMP server on a unix socket, served by the owner's EventLoop (the VMM's, next to its device channel,
// link monitor and timers). Single-threaded: call every method from the loop's thread.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/acceptor.h"
#include "common/event_loop.h"
#include "common/unique_fd.h"
#include "common/unix_socket.h"
#include "qmp/line_connection.h"
#include "qmp/qmp_protocol.h"

namespace nf::qmp {

struct QmpServerOptions {
    std::string socket_path;
    QmpVersion version;
    std::size_t max_line = 64 * 1024;           // longer input lines are rejected and counted
    std::size_t max_pending_output = 4 << 20;   // a client that stops reading is dropped past this
    std::size_t max_clients = 16;
    SocketAccess access;                         // who may connect besides root (SO_PEERCRED at accept)
};

struct QmpServerCounters {
    std::uint64_t clients_accepted = 0;
    std::uint64_t clients_refused = 0;     // over max_clients
    std::uint64_t peers_refused = 0;       // SO_PEERCRED: not root, us or the socket's group
    std::uint64_t clients_dropped = 0;     // output bound exceeded
    std::uint64_t commands = 0;
    std::uint64_t malformed = 0;           // not JSON / not a well-formed command
    std::uint64_t oversized_lines = 0;
    std::uint64_t events_broadcast = 0;
    std::uint64_t command_errors = 0;      // a command handler threw: answered with GenericError
    std::uint64_t accept_exhausted = 0;    // accept ran out of fds: the listener paused
};

class QmpServer {
public:
    // Commands other than qmp_capabilities and query-version, after negotiation, go to the handler.
    using CommandHandler = std::function<QmpResult(const std::string& command, const nlohmann::json& arguments)>;

    // Watches the listener and every client on `loop`, which must outlive the server.
    QmpServer(EventLoop& loop, QmpServerOptions options, CommandHandler handler);
    ~QmpServer();  // unwatches its fds, removes the socket file
    QmpServer(const QmpServer&) = delete;
    QmpServer& operator=(const QmpServer&) = delete;

    // Sends an event to every client that finished negotiation.
    void broadcast(const std::string& event, const nlohmann::json& data = nlohmann::json::object());

    std::size_t client_count() const { return clients_.size(); }
    QmpServerCounters counters() const;
    const std::string& socket_path() const { return options_.socket_path; }

private:
    struct Client {
        LineConnection connection;
        bool negotiated = false;
        bool dropped = false;  // set by broadcast; erased by sync_clients(), never while being served
        bool writing = false;  // watched for EPOLLOUT
    };

    void add_client(UniqueFd fd);
    void client_ready(int fd, std::uint32_t events);
    // Erases dropped clients and watches for EPOLLOUT exactly where output is queued.
    void sync_clients();
    // false when the client must be closed
    bool serve_client(Client& client);
    QmpResult dispatch(Client& client, const QmpCommand& command);

    EventLoop& loop_;
    QmpServerOptions options_;
    CommandHandler handler_;
    UnixListener listener_;   // unlinks the socket file it bound
    std::map<int, std::unique_ptr<Client>> clients_;
    QmpServerCounters counters_;
    bool serving_ = false;  // inside client_ready(): clients may not be erased under the handler's feet
    Acceptor acceptor_;     // last: unwatches the listener before it closes
};

}  // namespace nf::qmp
