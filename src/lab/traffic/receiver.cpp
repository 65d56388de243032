#include "lab/traffic/receiver.h"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

#include "common/error.h"
#include "lab/traffic/clock.h"
#include "lab/traffic/wire.h"

namespace nf::lab {
namespace {

// Room for bursts (a re-plug may release queued packets at once) so the socket does not drop them.
constexpr int kReceiveBuffer = 4 << 20;

}  // namespace

Receiver::Receiver(Recorder& recorder, const UdpAddress& bind, std::string_view path_label)
    : Receiver(recorder, open_udp_socket(&bind), path_label) {}

Receiver::Receiver(Recorder& recorder, UniqueFd socket, std::string_view path_label)
    : recorder_(recorder), socket_(std::move(socket)),
      path_(path_label.empty() ? kNoPath : recorder.path_id(path_label)) {
    // Best effort: without CAP_NET_ADMIN the kernel clamps it to rmem_max, which is still fine at 1 kHz.
    ::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &kReceiveBuffer, sizeof kReceiveBuffer);
}

void Receiver::run(std::stop_token stop, std::optional<std::int64_t> until_ns) {
    std::array<std::byte, PacketHeader::kMaxDatagram + 1> buffer;
    while (!stop.stop_requested() && (!until_ns || monotonic_ns() < *until_ns)) {
        pollfd pfd{socket_.get(), POLLIN, 0};
        const int ready = ::poll(&pfd, 1, 50);
        if (ready < 0 && errno != EINTR) throw_errno("waiting for traffic on " + local_address().to_string());
        if (ready <= 0) continue;
        for (;;) {
            const ssize_t n = ::recv(socket_.get(), buffer.data(), buffer.size(), MSG_DONTWAIT);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
                throw_errno("receiving traffic on " + local_address().to_string());
            }
            recorder_.on_datagram(std::span(buffer.data(), static_cast<std::size_t>(n)), monotonic_ns(), path_);
        }
    }
}

UdpAddress Receiver::local_address() const {
    UdpAddress address;
    socklen_t length = sizeof address.sockaddr;
    ::getsockname(socket_.get(), reinterpret_cast<sockaddr*>(&address.sockaddr), &length);
    return address;
}

}  // namespace nf::lab
