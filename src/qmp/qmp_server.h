#pragma once
// A QMP server on a unix socket that lives in someone else's poll loop: the VMM polls it next to its tap
// and device-channel fds (poll_fds / handle), or calls poll_once when it has nothing else to watch.
// Single-threaded: call every method from the loop's thread.
#include <poll.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

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
};

class QmpServer {
public:
    // Commands other than qmp_capabilities and query-version, after negotiation, go to the handler.
    using CommandHandler = std::function<QmpResult(const std::string& command, const nlohmann::json& arguments)>;

    QmpServer(QmpServerOptions options, CommandHandler handler);
    ~QmpServer();  // removes the socket file
    QmpServer(const QmpServer&) = delete;
    QmpServer& operator=(const QmpServer&) = delete;

    // The fds to poll now (listen socket + clients, POLLOUT where output is queued).
    std::vector<pollfd> poll_fds() const;
    // Serves one fd poll() reported ready; fds this server does not own are ignored.
    void handle(const pollfd& ready);
    // poll() over our own fds once and serve what is ready.
    void poll_once(int timeout_ms);

    // Sends an event to every client that finished negotiation.
    void broadcast(const std::string& event, const nlohmann::json& data = nlohmann::json::object());

    std::size_t client_count() const { return clients_.size(); }
    const QmpServerCounters& counters() const { return counters_; }
    const std::string& socket_path() const { return options_.socket_path; }

private:
    struct Client {
        LineConnection connection;
        bool negotiated = false;
        bool dropped = false;  // set by broadcast; erased by handle(), never while being served
    };

    void accept_clients();
    void erase_dropped();
    // false when the client must be closed
    bool serve_client(Client& client);
    QmpResult dispatch(Client& client, const QmpCommand& command);

    QmpServerOptions options_;
    CommandHandler handler_;
    UnixListener listener_;   // unlinks the socket file it bound
    std::map<int, std::unique_ptr<Client>> clients_;
    QmpServerCounters counters_;
    bool serving_ = false;  // inside handle(): clients may not be erased under the handler's feet
};

}  // namespace nf::qmp
