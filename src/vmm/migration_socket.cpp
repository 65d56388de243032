#include "vmm/migration_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "common/error.h"

namespace nf::vmm {

namespace {

// The largest number of fds one sendmsg carries; queue_fd callers pass one or two.
constexpr std::size_t kMaxFdsPerMessage = 8;

struct TcpAddress {
    sockaddr_storage storage{};
    socklen_t length = 0;
};

TcpAddress tcp_address(const MigrationUri& uri) {
    TcpAddress out;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    if (::inet_pton(AF_INET, uri.host.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(uri.port);
        out.length = sizeof *v4;
    } else if (::inet_pton(AF_INET6, uri.host.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(uri.port);
        out.length = sizeof *v6;
    } else {
        throw ConfigError(uri.text + ": not a numeric address");
    }
    return out;
}

UniqueFd stream_socket(int family) {
    return UniqueFd(static_cast<int>(
        check_syscall(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), "socket")));
}

bool would_block(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

}  // namespace

MigrationListener::MigrationListener(const MigrationUri& uri) : uri_(uri) {
    if (uri.kind == MigrationUri::Kind::Unix) {
        try {
            unix_ = listen_unix(uri.path, 4);
        } catch (const SystemError& e) {
            throw SystemError(e.errno_value(), "listen " + uri.text + ": " + e.what());
        }
        return;
    }
    const TcpAddress address = tcp_address(uri);
    tcp_ = stream_socket(address.storage.ss_family);
    const int one = 1;
    check_syscall(::setsockopt(tcp_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one), "SO_REUSEADDR");
    if (::bind(tcp_.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) < 0)
        throw_errno("listen " + uri.text + ": bind");
    check_syscall(::listen(tcp_.get(), 4), "listen " + uri.text);
}

int MigrationListener::fd() const { return tcp_ ? tcp_.get() : unix_.fd(); }

UniqueFd MigrationListener::accept() {
    if (!tcp_) return accept_unix(unix_.fd());
    const int fd = ::accept4(tcp_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (would_block(errno) || errno == ECONNABORTED || errno == EINTR) return {};
        throw_errno("accept " + uri_.text);
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // the return path's small messages
    return UniqueFd(fd);
}

UniqueFd start_connect(const MigrationUri& uri) {
    if (uri.kind == MigrationUri::Kind::Unix) {
        UniqueFd fd = stream_socket(AF_UNIX);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, uri.path.c_str(), uri.path.size() + 1);
        if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) < 0 &&
            errno != EINPROGRESS && errno != EAGAIN)
            throw_errno("connect " + uri.text);
        return fd;
    }
    const TcpAddress address = tcp_address(uri);
    UniqueFd fd = stream_socket(address.storage.ss_family);
    const int one = 1;
    ::setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address.storage), address.length) < 0 &&
        errno != EINPROGRESS)
        throw_errno("connect " + uri.text);
    return fd;
}

int finish_connect(int fd) {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0) return errno;
    if (error != 0) return error;
    // A unix connect that got EAGAIN (full backlog) is not connected yet: getpeername tells.
    sockaddr_storage peer{};
    socklen_t peer_length = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) < 0) return errno == ENOTCONN ? EAGAIN : errno;
    return 0;
}

MigrationConnection::MigrationConnection(UniqueFd fd, bool passes_fds, Limits limits)
    : fd_(std::move(fd)), passes_fds_(passes_fds), limits_(limits) {
    const int flags = static_cast<int>(check_syscall(::fcntl(fd_.get(), F_GETFL), "F_GETFL"));
    if (!(flags & O_NONBLOCK)) check_syscall(::fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK), "O_NONBLOCK");
}

void MigrationConnection::queue(std::span<const std::byte> bytes) {
    if (bytes.empty()) return;
    if (queued_bytes_ + bytes.size() > limits_.max_queued_bytes)
        throw std::length_error("migration stream: " + std::to_string(queued_bytes_ + bytes.size()) +
                                " bytes queued, limit " + std::to_string(limits_.max_queued_bytes));
    // Bytes go into the last chunk unless fds wait for the next byte: those start a chunk of their own.
    if (out_.empty() || !pending_fds_.empty()) {
        Chunk chunk;
        chunk.fds = std::move(pending_fds_);
        pending_fds_.clear();
        out_.push_back(std::move(chunk));
    }
    auto& tail = out_.back().bytes;
    tail.insert(tail.end(), bytes.begin(), bytes.end());
    queued_bytes_ += bytes.size();
}

void MigrationConnection::queue_fd(int fd) {
    if (!passes_fds_) throw std::logic_error("this migration connection cannot pass file descriptors");
    if (pending_fds_.size() >= kMaxFdsPerMessage) throw std::length_error("too many fds queued for one message");
    pending_fds_.emplace_back(static_cast<int>(check_syscall(::fcntl(fd, F_DUPFD_CLOEXEC, 0), "dup fd to pass")));
}

bool MigrationConnection::flush() {
    while (!out_.empty()) {
        Chunk& chunk = out_.front();
        // A chunk with fds is sent first on its own up to its end only if nothing of it went yet; the fds
        // ride with the first byte.
        iovec iov{chunk.bytes.data() + chunk.sent, chunk.bytes.size() - chunk.sent};
        msghdr message{};
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)]{};
        const bool with_fds = chunk.sent == 0 && !chunk.fds.empty();
        if (with_fds) {
            message.msg_control = control;
            message.msg_controllen = CMSG_SPACE(sizeof(int) * chunk.fds.size());
            cmsghdr* header = CMSG_FIRSTHDR(&message);
            header->cmsg_level = SOL_SOCKET;
            header->cmsg_type = SCM_RIGHTS;
            header->cmsg_len = CMSG_LEN(sizeof(int) * chunk.fds.size());
            int* slots = reinterpret_cast<int*>(CMSG_DATA(header));
            for (std::size_t i = 0; i < chunk.fds.size(); ++i) slots[i] = chunk.fds[i].get();
        }
        const ssize_t n = ::sendmsg(fd_.get(), &message, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (would_block(errno)) {
                ++counters_.writes_would_block;
                return false;
            }
            throw_errno("migration stream: send");
        }
        if (with_fds) {
            counters_.fds_out += chunk.fds.size();
            chunk.fds.clear();  // the kernel holds its own references now
        }
        chunk.sent += static_cast<std::size_t>(n);
        counters_.bytes_out += static_cast<std::uint64_t>(n);
        queued_bytes_ -= static_cast<std::size_t>(n);
        if (chunk.sent == chunk.bytes.size()) out_.pop_front();
    }
    return true;
}

MigrationConnection::ReadResult MigrationConnection::read(std::vector<std::byte>& into) {
    const std::size_t old_size = into.size();
    into.resize(old_size + limits_.max_read);
    iovec iov{into.data() + old_size, limits_.max_read};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerMessage)]{};
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = ::recvmsg(fd_.get(), &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    const int error = errno;
    into.resize(old_size + (n > 0 ? static_cast<std::size_t>(n) : 0));
    // Whatever fds came are ours to own (or close) even when the read itself says nothing else.
    for (cmsghdr* header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
        const std::size_t count = (header->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        const int* slots = reinterpret_cast<const int*>(CMSG_DATA(header));
        for (std::size_t i = 0; i < count; ++i) {
            UniqueFd fd(slots[i]);
            if (!passes_fds_ || received_fds_.size() >= limits_.max_fds) {
                ++counters_.fds_refused;  // closed here
                continue;
            }
            ++counters_.fds_in;
            received_fds_.push_back(std::move(fd));
        }
    }
    if (message.msg_flags & MSG_CTRUNC) counters_.fds_refused += 1;  // more than one message's worth: lost
    if (n < 0) {
        if (would_block(error)) return ReadResult::WouldBlock;
        throw_errno(error, "migration stream: receive");
    }
    if (n == 0) return ReadResult::Eof;
    counters_.bytes_in += static_cast<std::uint64_t>(n);
    return ReadResult::Data;
}

std::optional<UniqueFd> MigrationConnection::take_fd() {
    if (received_fds_.empty()) return std::nullopt;
    UniqueFd fd = std::move(received_fds_.front());
    received_fds_.pop_front();
    return fd;
}

nlohmann::json MigrationConnection::describe() const {
    return {{"bytes-out", counters_.bytes_out}, {"bytes-in", counters_.bytes_in},
            {"fds-out", counters_.fds_out},     {"fds-in", counters_.fds_in},
            {"fds-refused", counters_.fds_refused}, {"queued-bytes", queued_bytes_},
            {"writes-would-block", counters_.writes_would_block}};
}

UniqueFd copy_fd_from_process(pid_t pid, int target_fd) {
    const std::string what = "take fd " + std::to_string(target_fd) + " of process " + std::to_string(pid);
    // glibc 2.36 has wrappers, but older headers may not: the raw syscalls are stable ABI.
    UniqueFd pidfd(static_cast<int>(check_syscall(::syscall(SYS_pidfd_open, pid, 0), what + ": pidfd_open")));
    return UniqueFd(static_cast<int>(
        check_syscall(::syscall(SYS_pidfd_getfd, pidfd.get(), target_fd, 0), what + ": pidfd_getfd")));
}

}  // namespace nf::vmm
