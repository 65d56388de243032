#pragma once
// The migration stream's transport, OS side: a listening socket for `--incoming`/`migrate-incoming`, a
// non-blocking connect for `migrate`, and one connection that moves bytes (and, over a unix socket, file
// descriptors) without ever blocking the VMM's loop. The stream's meaning is src/migration's; this only
// carries it. Every buffer has a limit and a counter; every wait is the caller's timer on fd().
//
// File descriptors travel as SCM_RIGHTS attached to the first byte of a queued chunk, so the receiver holds
// the fd by the time it has read that byte (the kernel never merges data across a message carrying fds).
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/unique_fd.h"
#include "common/unix_socket.h"
#include "vmm/migration_uri.h"

namespace nf::vmm {

// Listens on the incoming URI in the VMM's own namespace. Non-blocking; a unix path is unlinked on
// destruction (only if it is still our socket file). Throws SystemError ("listen tcp:...: Address in use").
class MigrationListener {
public:
    explicit MigrationListener(const MigrationUri& uri);
    int fd() const;
    // One pending connection, or an invalid fd when none is pending.
    UniqueFd accept();
    const MigrationUri& uri() const { return uri_; }

private:
    MigrationUri uri_;
    UniqueFd tcp_;
    UnixListener unix_;
};

// Starts a non-blocking connect; the socket becomes writable when it is done, then call finish_connect().
// Throws SystemError when the connect fails at once (ENOENT, ECONNREFUSED on a unix socket, ...).
UniqueFd start_connect(const MigrationUri& uri);
// 0 when the connection is up, else the errno of the failed connect (SO_ERROR).
int finish_connect(int fd);

class MigrationConnection {
public:
    struct Limits {
        std::size_t max_queued_bytes = 64u << 20;  // outbound: a producer beyond this gets an error
        std::size_t max_read = 64u << 10;          // per read() call
        std::size_t max_fds = 8;                   // received fds not yet taken; more are closed and counted
    };
    struct Counters {
        std::uint64_t bytes_out = 0;
        std::uint64_t bytes_in = 0;
        std::uint64_t fds_out = 0;
        std::uint64_t fds_in = 0;
        std::uint64_t fds_refused = 0;  // arrived beyond max_fds, or on a connection that passes none
        std::uint64_t writes_would_block = 0;
    };
    enum class ReadResult { Data, WouldBlock, Eof };

    MigrationConnection(UniqueFd fd, bool passes_fds, Limits limits);
    MigrationConnection(UniqueFd fd, bool passes_fds) : MigrationConnection(std::move(fd), passes_fds, Limits{}) {}

    int fd() const { return fd_.get(); }
    bool passes_fds() const { return passes_fds_; }

    // Queues bytes to send (copied). Throws std::length_error when the queue would pass its limit.
    void queue(std::span<const std::byte> bytes);
    // Queues `fd` (duplicated here, so the caller keeps its own) to travel with the next queued byte.
    // Throws std::logic_error on a connection that cannot pass fds, SystemError when dup fails.
    void queue_fd(int fd);
    // Writes what the socket takes now. Returns true when nothing is left queued. Throws SystemError when
    // the peer is gone (EPIPE, ECONNRESET) or the socket fails.
    bool flush();
    bool idle() const { return out_.empty(); }
    std::size_t queued_bytes() const { return queued_bytes_; }

    // Reads at most max_read bytes, appended to `into`. Received fds are kept for take_fd().
    // Throws SystemError on a socket error (ECONNRESET counts as one, not as EOF).
    ReadResult read(std::vector<std::byte>& into);
    // The oldest received fd not yet taken.
    std::optional<UniqueFd> take_fd();

    const Counters& counters() const { return counters_; }
    nlohmann::json describe() const;

private:
    struct Chunk {
        std::vector<std::byte> bytes;
        std::size_t sent = 0;
        std::vector<UniqueFd> fds;  // travel with bytes[0]
    };

    UniqueFd fd_;
    bool passes_fds_;
    Limits limits_;
    std::deque<Chunk> out_;
    std::vector<UniqueFd> pending_fds_;  // queued by queue_fd, waiting for the next byte
    std::size_t queued_bytes_ = 0;
    std::deque<UniqueFd> received_fds_;
    Counters counters_;
};

// Takes a copy of file descriptor `target_fd` of process `pid` (pidfd_getfd: same pid namespace, and the
// right to ptrace it; root in the lab). How a tcp: migration moves the standby's tap between two VMMs of
// one machine, where the stream itself cannot carry an fd. Throws SystemError naming pid and fd.
UniqueFd copy_fd_from_process(pid_t pid, int target_fd);

}  // namespace nf::vmm
