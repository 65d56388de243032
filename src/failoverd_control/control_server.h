#pragma once
// failoverd's end of the control socket, served by the daemon's EventLoop: the listener and every client
// are watched there, and no handler blocks. Every buffer is bounded: a client that does not read its
// replies or events is dropped and counted, so a stuck failoverctl can never stall failover.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/acceptor.h"
#include "common/event_loop.h"
#include "common/line_buffer.h"
#include "common/unique_fd.h"
#include "common/unix_socket.h"
#include "failoverd_control/control_protocol.h"
#include "failoverd_control/status_report.h"  // ControlCounters, ControlStatus

namespace nf::daemon {

struct ControlHandlers {
    // The daemon answers in the protocol's own type; the server alone writes its JSON (to_json), so the
    // status shape has one author.
    std::function<StatusReport()> status;
    // nullopt when done, else the error for the reply ("no primary is present").
    std::function<std::optional<std::string>(ActiveChoice)> set_active;
    // {"cmd":"resync"}: nullopt when done, else the error for the reply. Unset: refused.
    std::function<std::optional<std::string>()> resync;
};

struct ControlLimits {
    std::size_t max_clients = 32;
    std::size_t max_request_line = 64 * 1024;
    std::size_t max_pending_output = 1024 * 1024;   // per client, replies and events not yet sent
    // Per client and loop round: a client that writes nonstop gets its share, then the daemon moves on
    // (the loop is level-triggered, so what is left is served in the next round).
    std::size_t max_read_per_dispatch = 64 * 1024;
    std::size_t max_requests_per_dispatch = 64;
};


class ControlServer {
public:
    // Creates the parent directory, replaces a stale socket file, binds with mode 0600 and listens.
    // Throws nf::SystemError when another daemon answers on `path` ("already running") or a call fails.
    // `loop` must outlive the server. `access`: who may connect besides root and our user (SO_PEERCRED at
    // accept; mode 0660 with a group).
    ControlServer(EventLoop& loop, std::string path, ControlHandlers handlers, ControlLimits limits = {},
                  SocketAccess access = {});
    ~ControlServer();   // unwatches and closes every client, unlinks the socket if it is still ours
    ControlServer(const ControlServer&) = delete;
    ControlServer& operator=(const ControlServer&) = delete;

    // Queues one event line for every `events` subscriber. Safe to call from a handler, while a client is
    // being served.
    void publish_event(const nlohmann::json& event);

    const std::string& path() const { return path_; }
    std::size_t client_count() const { return clients_.size(); }
    std::size_t subscriber_count() const;
    ControlCounters counters() const;
    // Its part of `failoverctl status`.
    ControlStatus report() const { return {client_count(), subscriber_count(), counters()}; }

private:
    struct Client {
        std::uint64_t id;       // fd numbers are reused too soon to be keys
        UniqueFd fd;
        LineBuffer input;
        std::string output;
        bool subscribed = false;
        bool writing = false;   // watched for EPOLLOUT
        bool doomed = false;    // gone or too slow; erased when no Client& is held (see serving_)
        bool backlogged = false;          // complete requests left unanswered: its share was used up
        std::uint64_t served_round = 0;   // the loop round that last served it, one share per round
    };

    void add_client(UniqueFd fd);
    void client_ready(std::uint64_t id, std::uint32_t events);
    void serve_backlog();
    void serve(Client& client, bool readable);
    // Erases doomed clients, and schedules the backlog for the next round while some client has one.
    void end_of_service();
    void handle_line(Client& client, const LineBuffer::Line& line);
    nlohmann::json answer(Client& client, const std::string& line);
    void queue(Client& client, const std::string& line);   // dooms a client whose backlog is full
    void flush(Client& client);
    void watch(Client& client, bool writing);
    void drop_doomed();

    EventLoop& loop_;
    std::string path_;
    ControlHandlers handlers_;
    ControlLimits limits_;
    SocketAccess access_;
    UnixListener listener_;
    std::map<std::uint64_t, Client> clients_;
    bool serving_ = false;        // inside a client's handler: a handler may publish, but clients stay in place
    // Requests already read wait for no new data, so their socket is quiet: a zero-delay timer (which runs
    // next round, after every other ready handler) serves them.
    EventLoop::TimerId backlog_timer_ = 0;
    std::uint64_t next_id_ = 1;
    ControlCounters counters_;
    Acceptor acceptor_;           // last: unwatches the listener before it closes
};

}  // namespace nf::daemon
