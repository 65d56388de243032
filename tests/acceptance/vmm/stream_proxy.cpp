#include "stream_proxy.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace nf::vmm::test {

namespace {

constexpr std::size_t kMaxFds = 8;
constexpr std::uint16_t kVmStarted = 8;  // the return path's VM_STARTED (QEMU's MIG_RP_MSG_VM_STARTED)

sockaddr_un address_of(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

// Writes all of `data`, the fds with its first byte.
void send_all(int fd, const char* data, std::size_t size, const std::vector<int>& fds) {
    std::size_t sent = 0;
    bool fds_pending = !fds.empty();
    while (sent < size) {
        iovec iov{const_cast<char*>(data + sent), size - sent};
        msghdr message{};
        message.msg_iov = &iov;
        message.msg_iovlen = 1;
        alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * kMaxFds)> control{};
        if (fds_pending) {
            message.msg_control = control.data();
            message.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
            cmsghdr* header = CMSG_FIRSTHDR(&message);
            header->cmsg_level = SOL_SOCKET;
            header->cmsg_type = SCM_RIGHTS;
            header->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
            std::memcpy(CMSG_DATA(header), fds.data(), sizeof(int) * fds.size());
        }
        const ssize_t n = ::sendmsg(fd, &message, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw std::runtime_error(errno_text("proxy send"));
        }
        fds_pending = false;
        sent += static_cast<std::size_t>(n);
    }
}

// A netpass section (type 3) with one record that announces 0xffffffff bytes: unreadable by design.
std::string bad_netpass_section() {
    const unsigned char bytes[] = {3, 0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
    return {reinterpret_cast<const char*>(bytes), sizeof bytes};
}

}  // namespace

StreamProxy::StreamProxy(std::string listen_path, std::string target_path, Fault fault)
    : listen_path_(std::move(listen_path)), target_path_(std::move(target_path)), fault_(fault) {
    listener_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!listener_) throw std::runtime_error(errno_text("proxy socket"));
    ::unlink(listen_path_.c_str());
    const sockaddr_un addr = address_of(listen_path_);
    if (::bind(listener_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0 ||
        ::listen(listener_.get(), 1) < 0)
        throw std::runtime_error(errno_text("proxy listen on " + listen_path_));
    thread_ = std::thread([this] { run(); });
}

StreamProxy::~StreamProxy() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    ::unlink(listen_path_.c_str());
}

std::string StreamProxy::error() const {
    std::lock_guard lock(error_mutex_);
    return error_;
}

void StreamProxy::run() {
    try {
        while (!stop_) {
            std::vector<pollfd> fds;
            if (!source_) fds.push_back({listener_.get(), POLLIN, 0});
            else fds.insert(fds.end(), {{source_.get(), POLLIN, 0}, {dest_.get(), POLLIN, 0}});
            const int n = ::poll(fds.data(), fds.size(), 50);  // 50 ms: the stop flag is seen promptly
            if (n < 0 && errno != EINTR) throw std::runtime_error(errno_text("proxy poll"));
            if (n <= 0) continue;
            if (!source_) {
                source_ = UniqueFd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
                if (!source_) throw std::runtime_error(errno_text("proxy accept"));
                dest_ = UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
                const sockaddr_un addr = address_of(target_path_);
                if (!dest_ || ::connect(dest_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0)
                    throw std::runtime_error(errno_text("proxy connect to " + target_path_));
                continue;
            }
            bool open = true;
            if (fds[0].revents) open = pump_source();
            if (open && fds[1].revents) open = pump_destination();
            if (!open) {
                source_.reset();
                dest_.reset();
                listener_.reset();
                return;
            }
        }
    } catch (const std::exception& e) {
        std::lock_guard lock(error_mutex_);
        error_ = e.what();
    }
}

bool StreamProxy::pump_source() {
    std::array<char, 65536> buffer{};
    iovec iov{buffer.data(), buffer.size()};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    alignas(cmsghdr) std::array<char, CMSG_SPACE(sizeof(int) * kMaxFds)> control{};
    message.msg_control = control.data();
    message.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(source_.get(), &message, MSG_CMSG_CLOEXEC);
    if (n < 0) return errno == EINTR || errno == EAGAIN;
    std::vector<UniqueFd> received;
    std::vector<int> raw;
    for (cmsghdr* h = CMSG_FIRSTHDR(&message); h; h = CMSG_NXTHDR(&message, h))
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
            const std::size_t count = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t i = 0; i < count; ++i) {
                int fd = -1;
                std::memcpy(&fd, CMSG_DATA(h) + i * sizeof(int), sizeof fd);
                received.emplace_back(fd);
                raw.push_back(fd);
            }
        }
    if (n == 0) return false;
    std::string data(buffer.data(), static_cast<std::size_t>(n));
    // The source writes its netpass tail only after VM_STARTED reached it: whatever comes now is the tail.
    if (fault_ == Fault::BadNetpassAfterVmStarted && vm_started_ && !fault_done_) {
        data = bad_netpass_section() + data;
        fault_done_ = true;
    }
    send_all(dest_.get(), data.data(), data.size(), raw);
    fds_ += static_cast<int>(raw.size());
    return true;  // `received` closes our copies: the destination holds its own now
}

bool StreamProxy::pump_destination() {
    std::array<char, 4096> buffer{};
    const ssize_t n = ::read(dest_.get(), buffer.data(), buffer.size());
    if (n < 0) return errno == EINTR || errno == EAGAIN;
    if (n == 0) {
        send_all(source_.get(), return_path_.data(), return_path_.size(), {});
        return false;
    }
    return_path_.append(buffer.data(), static_cast<std::size_t>(n));
    // Forward whole messages (be16 type, be16 length, payload) so the fault falls between two of them.
    while (return_path_.size() >= 4) {
        const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(return_path_[i]); };
        const std::uint16_t type = static_cast<std::uint16_t>(byte(0) << 8 | byte(1));
        const std::size_t length = static_cast<std::size_t>(byte(2) << 8 | byte(3));
        if (return_path_.size() < 4 + length) break;
        send_all(source_.get(), return_path_.data(), 4 + length, {});
        return_path_.erase(0, 4 + length);
        if (type != kVmStarted) continue;
        vm_started_ = true;
        if (fault_ == Fault::CutAfterVmStarted) {
            fault_done_ = true;
            return false;  // both sides closed: nothing after VM_STARTED reaches either VMM
        }
    }
    return true;
}

}  // namespace nf::vmm::test
