#pragma once
// Both socket ends of the guest device channel (protocol: device/channel_protocol.h). The VMM listens;
// the guest (failoverd in the VM) connects and gets a hello. One guest at a time: a second connection is
// refused, and a guest that reconnects (failoverd restarted) gets a fresh hello. The server is served by
// the owner's EventLoop.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/acceptor.h"
#include "common/event_loop.h"
#include "common/unique_fd.h"
#include "common/unix_socket.h"
#include "device/channel_protocol.h"
#include "qmp/line_connection.h"

namespace nf::qmp {

struct DeviceChannelCounters {
    std::uint64_t guests_accepted = 0;
    std::uint64_t guests_refused = 0;
    std::uint64_t peers_refused = 0;     // SO_PEERCRED: not root, us or the socket's group
    std::uint64_t messages_in = 0;
    std::uint64_t messages_out = 0;
    std::uint64_t protocol_errors = 0;
    std::uint64_t oversized_lines = 0;
    std::uint64_t dropped_no_guest = 0;  // messages for a guest that was not connected
    std::uint64_t accept_exhausted = 0;  // accept ran out of fds: the listener paused
};

class DeviceChannelServer {
public:
    using HelloSource = std::function<device::channel::Hello()>;
    using MessageHandler = std::function<void(const device::channel::Message&)>;

    // Watches the listener and the guest on `loop`, which must outlive the server.
    // `access`: who may connect besides root and our user (SO_PEERCRED at accept; mode 0660 with a group).
    DeviceChannelServer(EventLoop& loop, std::string socket_path, HelloSource hello, MessageHandler on_message,
                        std::size_t max_line = 64 * 1024, SocketAccess access = {});
    ~DeviceChannelServer();
    DeviceChannelServer(const DeviceChannelServer&) = delete;
    DeviceChannelServer& operator=(const DeviceChannelServer&) = delete;

    // Sends to the connected guest; false (and counted) when there is none.
    bool send(const device::channel::Message& message);
    // Runs after each guest connected and got its hello: what it missed while none was connected is sent
    // from here (the VMM repeats a pending eject request).
    void on_guest_connected(std::function<void()> callback) { on_connected_ = std::move(callback); }
    bool guest_connected() const { return guest_.has_value(); }
    DeviceChannelCounters counters() const;

private:
    void accept_guest(UniqueFd fd);
    void guest_ready(std::uint32_t events);
    void serve_guest();
    void drop_guest();
    // Watches the guest for EPOLLOUT exactly while output is queued.
    void sync_output();

    EventLoop& loop_;
    std::string socket_path_;
    HelloSource hello_;
    std::function<void()> on_connected_;
    MessageHandler on_message_;
    std::size_t max_line_;
    SocketAccess access_;
    UnixListener listener_;   // unlinks the socket file it bound
    std::optional<LineConnection> guest_;
    bool writing_ = false;    // the guest is watched for EPOLLOUT
    DeviceChannelCounters counters_;
    Acceptor acceptor_;       // last: unwatches the listener before it closes
};

class DeviceChannelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The guest end, blocking with timeouts; fd() lets failoverd put it in its own poll loop.
class DeviceChannelClient {
public:
    using Millis = std::chrono::milliseconds;
    static DeviceChannelClient connect(const std::string& socket_path, Millis timeout = Millis(5000));

    int fd() const { return connection_.fd(); }
    void send(const device::channel::Message& message);
    // Raw bytes (tests: what a broken or hostile guest sends).
    void send_line(std::string_view line);
    // The next message within `timeout`; nullopt on timeout. Throws DeviceChannelError when the VMM closed
    // the channel, device::channel::ProtocolError on a bad message.
    std::optional<device::channel::Message> receive(Millis timeout);

private:
    explicit DeviceChannelClient(UniqueFd fd);
    LineConnection connection_;
    std::deque<std::string> lines_;
};

}  // namespace nf::qmp
