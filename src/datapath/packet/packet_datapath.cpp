#include "datapath/packet/packet_datapath.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <spdlog/spdlog.h>

#include "common/error.h"

namespace nf::datapath {
namespace {

UniqueFd make_eventfd() {
    UniqueFd fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (!fd) throw_errno("eventfd");
    return fd;
}

void signal(const UniqueFd& fd) {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(fd.get(), &one, sizeof one);
}

void drain(const UniqueFd& fd) {
    std::uint64_t value;
    [[maybe_unused]] auto n = ::read(fd.get(), &value, sizeof value);
}

std::size_t payload(std::size_t length) { return length > TapDevice::kVnetHdrSize ? length - TapDevice::kVnetHdrSize : 0; }

}  // namespace

PacketDatapath::PacketDatapath(PacketDatapathOptions options)
    : options_(std::move(options)),
      tap_(TapDevice::open(options_.master.name, options_.master.master_netns_fd)),
      stop_(make_eventfd()),
      rx_wake_(make_eventfd()) {
    if (options_.batch == 0) throw ConfigError("packet datapath: batch must be at least 1");
    tx_thread_ = std::thread([this] { tx_loop(); });
    rx_thread_ = std::thread([this] { rx_loop(); });
    spdlog::info("packet datapath: master tap {} (ifindex {})", tap_.name(), tap_.ifindex());
}

PacketDatapath::~PacketDatapath() {
    signal(stop_);
    if (tx_thread_.joinable()) tx_thread_.join();
    if (rx_thread_.joinable()) rx_thread_.join();
}

std::shared_ptr<PacketSocket> PacketDatapath::socket_of(std::size_t slot) const {
    std::lock_guard lock(sockets_mutex_);
    return sockets_[slot];
}

void PacketDatapath::wake_rx() { signal(rx_wake_); }

void PacketDatapath::attach(Slot slot, const SlaveEndpoint& slave) {
    auto socket = std::make_shared<PacketSocket>(
        PacketSocket::open(slave.ifindex, options_.master.slave_netns_fd, options_.socket));
    {
        std::lock_guard lock(sockets_mutex_);
        sockets_[slot_index(slot)] = std::move(socket);
    }
    wake_rx();
    spdlog::info("packet datapath: {} = {} (ifindex {})", slot_name(slot), slave.name, slave.ifindex);
}

void PacketDatapath::detach(Slot slot) {
    {
        std::lock_guard lock(sockets_mutex_);
        sockets_[slot_index(slot)].reset();
    }
    wake_rx();
}

void PacketDatapath::set_tx(std::optional<Slot> slot) {
    tx_slot_.store(slot ? static_cast<int>(slot_index(*slot)) : -1, std::memory_order_relaxed);
}

void PacketDatapath::set_rx(Slot slot, bool deliver) {
    rx_deliver_[slot_index(slot)].store(deliver, std::memory_order_relaxed);
}

void PacketDatapath::set_carrier(bool on) { tap_.set_carrier(on); }

DatapathCounters PacketDatapath::counters() const {
    DatapathCounters out;
    for (std::size_t s = 0; s < 2; ++s) {
        out.slot[s] = {stats_[s].tx_packets.get(), stats_[s].tx_bytes.get(), stats_[s].rx_packets.get(),
                       stats_[s].rx_bytes.get(), stats_[s].rx_dropped.get()};
    }
    out.tx_dropped = tx_dropped_.get();
    return out;
}

void PacketDatapath::tx_loop() {
    FrameBatch batch(options_.batch);
    pollfd fds[2] = {{stop_.get(), POLLIN, 0}, {tap_.fd(), POLLIN, 0}};
    while (true) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            spdlog::error("packet datapath tx: poll: {}", std::strerror(errno));
            return;
        }
        if (fds[0].revents) return;
        if (fds[1].revents & (POLLERR | POLLNVAL)) {
            spdlog::error("packet datapath tx: tap {} is gone", tap_.name());
            return;
        }
        std::size_t n = 0;
        for (; n < batch.capacity(); ++n) {
            ssize_t len = tap_.read(batch.buffer(n));
            if (len < 0 && errno == EBADFD) {
                spdlog::error("packet datapath tx: tap {} was destroyed with its namespace", tap_.name());
                return;
            }
            if (len <= 0) break;  // EAGAIN: drained
            batch.set_length(n, static_cast<std::size_t>(len));
        }
        if (n == 0) continue;
        int slot = tx_slot_.load(std::memory_order_relaxed);
        auto socket = slot >= 0 ? socket_of(static_cast<std::size_t>(slot)) : nullptr;
        if (!socket) {
            tx_dropped_.add(n);
            continue;
        }
        std::size_t sent = socket->send(batch, n);
        std::uint64_t bytes = 0;
        for (std::size_t i = 0; i < sent; ++i) bytes += payload(batch.length(i));
        auto& stats = stats_[static_cast<std::size_t>(slot)];
        stats.tx_packets.add(sent);
        stats.tx_bytes.add(bytes);
        tx_dropped_.add(n - sent);
    }
}

void PacketDatapath::rx_loop() {
    FrameBatch batch(options_.batch);
    std::array<std::shared_ptr<PacketSocket>, 2> sockets;
    while (true) {
        {
            std::lock_guard lock(sockets_mutex_);
            sockets = sockets_;
        }
        pollfd fds[4] = {{stop_.get(), POLLIN, 0}, {rx_wake_.get(), POLLIN, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
        for (std::size_t s = 0; s < 2; ++s) {
            if (sockets[s]) fds[2 + s].fd = sockets[s]->fd();  // negative fd: poll ignores the entry
        }
        if (::poll(fds, 4, -1) < 0) {
            if (errno == EINTR) continue;
            spdlog::error("packet datapath rx: poll: {}", std::strerror(errno));
            return;
        }
        if (fds[0].revents) return;
        if (fds[1].revents) {
            drain(rx_wake_);
            continue;  // re-read the socket set first
        }
        for (std::size_t s = 0; s < 2; ++s) {
            short ev = fds[2 + s].revents;
            if (!ev) continue;
            // The device went down or away; the error is reported once. A socket whose device is gone
            // stays silent until attach() replaces it.
            if (ev & POLLERR) sockets[s]->take_error();
            if (!(ev & POLLIN)) continue;
            std::size_t n = 0;
            try {
                n = sockets[s]->receive(batch);
            } catch (const SystemError& e) {
                spdlog::warn("packet datapath rx: {}", e.what());
                continue;
            }
            auto& stats = stats_[s];
            if (!rx_deliver_[s].load(std::memory_order_relaxed)) {
                stats.rx_dropped.add(n);
                continue;
            }
            std::uint64_t packets = 0, bytes = 0, dropped = 0;
            for (std::size_t i = 0; i < n; ++i) {
                if (tap_.write(batch.frame(i)) < 0) {
                    ++dropped;  // tap down (EIO) or its queue full
                    continue;
                }
                ++packets;
                bytes += payload(batch.length(i));
            }
            stats.rx_packets.add(packets);
            stats.rx_bytes.add(bytes);
            stats.rx_dropped.add(dropped);
        }
    }
}

}  // namespace nf::datapath
