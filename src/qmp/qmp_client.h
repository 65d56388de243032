#pragma once
// A blocking QMP client with timeouts, for tests and the orchestrator (against our VMM or real QEMU).
// Events that arrive while waiting for a reply are kept for wait_event, the newest kMaxQueuedEvents of them.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/unique_fd.h"
#include "qmp/line_connection.h"
#include "qmp/qmp_protocol.h"

namespace nf::qmp {

// The peer closed, timed out, or sent something that is not QMP.
class QmpClientError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class QmpClient {
public:
    using Millis = std::chrono::milliseconds;
    // A client that never asks for events must not grow without limit; the oldest go first, counted.
    static constexpr std::size_t kMaxQueuedEvents = 1024;

    // Connects (retrying while the socket is not up yet) and reads the greeting.
    static QmpClient connect(const std::string& socket_path, Millis timeout = Millis(5000));
    // QEMU's `-qmp tcp:HOST:PORT`: the first address of HOST that accepts within the timeout.
    static QmpClient connect_tcp(const std::string& host, const std::string& port, Millis timeout = Millis(5000));

    const nlohmann::json& greeting() const { return greeting_; }
    // qmp_capabilities; throws QmpClientError when refused.
    void negotiate(Millis timeout = Millis(5000));
    QmpResult execute(const std::string& command, const nlohmann::json& arguments = nlohmann::json::object(),
                      Millis timeout = Millis(5000));
    // execute, throwing QmpClientError("<command>: <class>: <desc>") on an error reply.
    nlohmann::json execute_ok(const std::string& command, const nlohmann::json& arguments = nlohmann::json::object(),
                              Millis timeout = Millis(5000));
    // The first event named `name` (queued or arriving within `timeout`); earlier other events stay queued.
    std::optional<QmpEvent> wait_event(const std::string& name, Millis timeout);
    // The oldest queued event, or the next to arrive within `timeout` (0: only what is already readable).
    std::optional<QmpEvent> next_event(Millis timeout);
    // Events received so far, oldest first; empties the queue.
    std::vector<QmpEvent> take_events();
    // Events dropped from a full queue since connect.
    std::uint64_t events_dropped() const { return events_dropped_; }
    // Messages with an "event" member that were no event object ({"event": 1}): skipped, counted.
    std::uint64_t events_malformed() const { return events_malformed_; }

    // Test hooks: send raw bytes, read the next message of any kind.
    void send_raw(const std::string& bytes);
    nlohmann::json read_message(Millis timeout);

private:
    explicit QmpClient(UniqueFd fd);
    static QmpClient greeted(UniqueFd fd, const std::string& peer, std::chrono::steady_clock::time_point deadline);
    // Next message (reply or event) within the deadline; nullopt on timeout.
    std::optional<nlohmann::json> next_message(std::chrono::steady_clock::time_point deadline);
    void keep_event(const nlohmann::json& message);

    LineConnection connection_;
    nlohmann::json greeting_;
    std::deque<std::string> lines_;
    std::deque<QmpEvent> events_;
    std::uint64_t events_dropped_ = 0;
    std::uint64_t events_malformed_ = 0;
    std::uint64_t next_id_ = 1;
};

}  // namespace nf::qmp
