#pragma once
// failoverd's end of the control socket. It fits the daemon's epoll loop as one fd: an inner epoll set
// that holds the listening socket and every client, readable whenever there is work. The daemon adds
// fd() to its loop (EPOLLIN) and calls dispatch() when it fires; dispatch() never blocks.
// Every buffer is bounded: a client that does not read its replies or events is dropped and counted,
// so a stuck failoverctl can never stall failover.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/line_buffer.h"
#include "common/unique_fd.h"
#include "common/unix_socket.h"
#include "daemon/control_protocol.h"

namespace nf::daemon {

struct ControlHandlers {
    std::function<nlohmann::json()> status;
    // nullopt when done, else the error for the reply ("no primary is present").
    std::function<std::optional<std::string>(ActiveChoice)> set_active;
};

struct ControlLimits {
    std::size_t max_clients = 32;
    std::size_t max_request_line = 64 * 1024;
    std::size_t max_pending_output = 1024 * 1024;   // per client, replies and events not yet sent
    // Per client and dispatch(): a client that writes nonstop gets its share, then the daemon moves on
    // (the inner epoll is level-triggered, so what is left is served by the next dispatch()).
    std::size_t max_read_per_dispatch = 64 * 1024;
    std::size_t max_requests_per_dispatch = 64;
};

struct ControlCounters {
    std::uint64_t clients_accepted = 0;
    std::uint64_t clients_refused = 0;        // over max_clients
    std::uint64_t peers_refused = 0;          // SO_PEERCRED: not root, us or the socket's group
    std::uint64_t requests = 0;
    std::uint64_t bad_requests = 0;           // malformed or unknown; answered with an error
    std::uint64_t oversized_requests = 0;
    std::uint64_t events_published = 0;
    std::uint64_t slow_clients_dropped = 0;   // pending output over the limit
};

class ControlServer {
public:
    // Creates the parent directory, replaces a stale socket file, binds with mode 0600 and listens.
    // Throws nf::SystemError when another daemon answers on `path` ("already running") or a call fails.
    // `access`: who may connect besides root and our user (SO_PEERCRED at accept; mode 0660 with a group).
    ControlServer(std::string path, ControlHandlers handlers, ControlLimits limits = {}, SocketAccess access = {});
    ~ControlServer();   // closes every client and unlinks the socket if it is still ours
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    int fd() const { return epoll_.get(); }
    // Accepts, reads, answers and flushes what is ready, up to the per-client limits, then returns.
    void dispatch();
    // Queues one event line for every `events` subscriber. Safe to call from a handler, inside dispatch().
    void publish_event(const nlohmann::json& event);

    const std::string& path() const { return path_; }
    std::size_t client_count() const { return clients_.size(); }
    std::size_t subscriber_count() const;
    const ControlCounters& counters() const { return counters_; }
    nlohmann::json counters_json() const;

private:
    struct Client {
        std::uint64_t id;       // epoll key; fd numbers are reused too soon to be keys
        UniqueFd fd;
        LineBuffer input;
        std::string output;
        bool subscribed = false;
        bool writing = false;   // EPOLLOUT armed
        bool doomed = false;    // gone or too slow; erased when no Client& is held (see dispatching_)
        bool backlogged = false;          // complete requests left unanswered: its share was used up
        std::uint64_t served_round = 0;   // the dispatch() that last served it, one share per round
    };

    void accept_clients();
    void serve(Client& client, bool readable);
    void signal_backlog() noexcept;
    void handle_line(Client& client, const LineBuffer::Line& line);
    nlohmann::json answer(Client& client, const std::string& line);
    void queue(Client& client, const std::string& line);   // dooms a client whose backlog is full
    void flush(Client& client);
    void watch(Client& client, bool writing);
    void drop_doomed();

    std::string path_;
    ControlHandlers handlers_;
    ControlLimits limits_;
    SocketAccess access_;
    UniqueFd epoll_;
    UnixListener listener_;
    std::map<std::uint64_t, Client> clients_;
    bool dispatching_ = false;    // inside dispatch(): a handler may publish, but clients stay in place
    std::uint64_t round_ = 0;     // dispatch() calls
    // Readable while a client is backlogged: the data it waits on is already read, so its socket is not.
    UniqueFd backlog_event_;
    bool backlog_signalled_ = false;
    std::uint64_t next_id_ = 1;   // 0 is the listener
    ControlCounters counters_;
};

}  // namespace nf::daemon
