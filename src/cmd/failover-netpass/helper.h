#pragma once
// What both halves of failover-netpass share: options, the control channel (stdin lines from
// failover-migrate, stdout JSON lines back), TCP, signals.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>

#include <sys/socket.h>

#include "common/line_buffer.h"
#include "common/unique_fd.h"
#include "netpass/bounds.h"

namespace nf::netpass::cmd {

struct Options {
    std::string tap;
    std::string netns;    // a name under /run/netns, or "": the current namespace
    std::string peer;     // source: HOST:PORT of the destination half
    std::string listen = "127.0.0.1:0";  // destination
    std::string session;  // the token both halves were given (HELLO)
    Bounds bounds;
};

// Control words on stdin, one a line.
enum class Control { Arm, Resumed, Abort, Eof, Unknown };

class ControlInput {
public:
    // Reads what stdin has (non-blocking after poll said readable); the controls in order.
    std::vector<Control> read();

private:
    LineBuffer lines_{256};
    bool eof_ = false;
};

// One JSON line on stdout, flushed.
void report(const nlohmann::json& line);

// SIGINT/SIGTERM as an fd (blocked for the process); readable once one arrived.
UniqueFd signal_fd();

// HOST:PORT with a numeric host (IPv4 or [IPv6]). Throws ConfigError.
struct Endpoint {
    std::string host;
    std::uint16_t port = 0;
};
Endpoint parse_endpoint(const std::string& text);

// The endpoint as bind()/connect() take it (its family from the host's form).
struct SocketAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family() const { return storage.ss_family; }
    sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
};
SocketAddress socket_address(const Endpoint& e);

// Writes all of `bytes` (blocking, bounded by SO_SNDTIMEO set by the caller). Throws SystemError.
void write_all(int fd, std::span<const std::uint8_t> bytes);

// poll() on up to 4 fds (-1 = skip) until `deadline`; returns which are readable.
struct Ready {
    bool fds[4] = {false, false, false, false};
};
Ready wait(std::initializer_list<int> fds, std::optional<std::chrono::steady_clock::time_point> deadline);

int run_source(const Options& options);
int run_destination(const Options& options);

}  // namespace nf::netpass::cmd
