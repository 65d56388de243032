#pragma once
// failoverctl's end of the control socket: connect, send one request, read reply and event lines, all
// with timeouts so a wedged daemon never hangs the CLI.
#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/line_buffer.h"
#include "common/unique_fd.h"
#include "failoverd_control/control_protocol.h"

namespace nf::daemon {

class ControlClient {
public:
    // Throws nf::SystemError "no failoverd at PATH: Connection refused" (or No such file or directory).
    static ControlClient connect(const std::string& path, std::chrono::milliseconds timeout);

    // Sends `request` and returns the next line as JSON. Throws SystemError(ETIMEDOUT) on timeout, or
    // when the daemon closes the connection first (ECONNRESET).
    nlohmann::json request(const nlohmann::json& request, std::chrono::milliseconds timeout);

    void send(const nlohmann::json& message, std::chrono::milliseconds timeout);
    // The next line, nullopt when the daemon closed the connection. No timeout when `timeout` is nullopt.
    std::optional<std::string> read_line(std::optional<std::chrono::milliseconds> timeout);

    int fd() const { return fd_.get(); }

private:
    ControlClient(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}

    UniqueFd fd_;
    std::string path_;
    LineBuffer input_{16 * 1024 * 1024};   // a status reply is a few KiB; this only stops a runaway daemon
};

}  // namespace nf::daemon
