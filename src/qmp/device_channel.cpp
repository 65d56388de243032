#include "qmp/device_channel.h"

#include <spdlog/spdlog.h>

#include <poll.h>

#include <cerrno>

#include "common/error.h"
#include "common/unix_socket.h"

namespace nf::qmp {

namespace channel = device::channel;
constexpr std::size_t kMaxPendingOutput = 1 << 20;

DeviceChannelServer::DeviceChannelServer(EventLoop& loop, std::string socket_path, HelloSource hello,
                                         MessageHandler on_message, std::size_t max_line, SocketAccess access)
    : loop_(loop), socket_path_(std::move(socket_path)), hello_(std::move(hello)), on_message_(std::move(on_message)),
      max_line_(max_line), access_(access), listener_(listen_unix(socket_path_, 4, access_)),
      acceptor_(loop_, listener_.fd(), "device channel accept", [this](UniqueFd fd) { accept_guest(std::move(fd)); }) {}

DeviceChannelServer::~DeviceChannelServer() {
    if (guest_) loop_.remove(guest_->fd());
}

DeviceChannelCounters DeviceChannelServer::counters() const {
    DeviceChannelCounters counters = counters_;
    counters.accept_exhausted = acceptor_.counters().exhausted;
    return counters;
}

void DeviceChannelServer::accept_guest(UniqueFd fd) {
    if (!admit_peer(fd.get(), access_, counters_.peers_refused, "device channel")) return;
    if (guest_) {
        ++counters_.guests_refused;
        spdlog::warn("device channel: refusing a second guest connection");
        return;  // closing the fd tells the client
    }
    const int raw = fd.get();
    loop_.add(raw, EPOLLIN, [this](std::uint32_t events) { guest_ready(events); }, "device channel guest");
    guest_.emplace(std::move(fd), max_line_, kMaxPendingOutput);
    writing_ = false;
    ++counters_.guests_accepted;
    send(hello_());
    if (on_connected_) on_connected_();
}

void DeviceChannelServer::guest_ready(std::uint32_t events) {
    if (!guest_) return;
    if ((events & EPOLLOUT) && !guest_->flush()) {
        drop_guest();
        return;
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) serve_guest();
    sync_output();
}

void DeviceChannelServer::serve_guest() {
    LineConnection::Input fed;
    const bool open = guest_->read_available(fed);
    counters_.oversized_lines += fed.oversized;
    for (const auto& line : fed.lines) {
        if (line.empty()) continue;
        try {
            const channel::Message message = channel::decode(line);
            ++counters_.messages_in;
            on_message_(message);
        } catch (const channel::ProtocolError& e) {
            // A confused guest is logged and counted; the channel stays up for its next message.
            ++counters_.protocol_errors;
            spdlog::warn("device channel: {}", e.what());
        } catch (const std::exception& e) {
            // A well-formed message the model could not take (a device it does not know): the same.
            ++counters_.protocol_errors;
            spdlog::warn("device channel: guest message refused: {}", e.what());
        }
        if (!guest_) return;  // the handler's reply found the guest gone
    }
    if (!open) drop_guest();
}

void DeviceChannelServer::drop_guest() {
    if (!guest_) return;
    loop_.remove(guest_->fd());
    guest_.reset();
}

void DeviceChannelServer::sync_output() {
    if (!guest_ || writing_ == guest_->wants_write()) return;
    writing_ = guest_->wants_write();
    loop_.modify(guest_->fd(), EPOLLIN | (writing_ ? EPOLLOUT : 0u));
}

bool DeviceChannelServer::send(const channel::Message& message) {
    if (!guest_) {
        ++counters_.dropped_no_guest;
        return false;
    }
    if (!guest_->send(channel::encode(message))) {
        drop_guest();
        ++counters_.dropped_no_guest;
        return false;
    }
    ++counters_.messages_out;
    sync_output();
    return true;
}

DeviceChannelClient::DeviceChannelClient(UniqueFd fd) : connection_(std::move(fd), 1 << 20, kMaxPendingOutput) {}

DeviceChannelClient DeviceChannelClient::connect(const std::string& socket_path, Millis timeout) {
    return DeviceChannelClient(connect_unix(socket_path, timeout));
}

void DeviceChannelClient::send(const channel::Message& message) { send_line(channel::encode(message)); }

void DeviceChannelClient::send_line(std::string_view line) {
    if (!connection_.send(line)) throw DeviceChannelError("device channel: VMM gone while sending");
    while (connection_.wants_write())
        if (!wait_fd(connection_.fd(), POLLOUT, Millis(5000)) || !connection_.flush())
            throw DeviceChannelError("device channel: VMM gone while sending");
}

std::optional<channel::Message> DeviceChannelClient::receive(Millis timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (lines_.empty()) {
        const auto left = std::chrono::duration_cast<Millis>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !wait_fd(connection_.fd(), POLLIN, left)) return std::nullopt;
        LineConnection::Input fed;
        const bool open = connection_.read_available(fed);
        for (auto& line : fed.lines)
            if (!line.empty()) lines_.push_back(std::move(line));
        if (!open && lines_.empty()) throw DeviceChannelError("device channel: the VMM closed the channel");
    }
    const std::string line = std::move(lines_.front());
    lines_.pop_front();
    return channel::decode(line);
}

}  // namespace nf::qmp
