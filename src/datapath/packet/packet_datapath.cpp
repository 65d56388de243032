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

std::size_t payload(std::size_t length) { return length > os::TapDevice::kVnetHdrSize ? length - os::TapDevice::kVnetHdrSize : 0; }

}  // namespace

PacketDatapath::PacketDatapath(PacketDatapathOptions options)
    : options_(std::move(options)),
      // Non-blocking: a full TAP queue drops and counts instead of stalling the RX thread past stop.
      tap_(os::TapDevice::open(options_.master.name, options_.master.master_netns_fd, {.nonblocking = true})),
      stop_(make_eventfd()),
      rx_wake_(make_eventfd()) {
    if (options_.batch == 0) throw ConfigError("packet datapath: batch must be at least 1");
    try {
        tx_thread_ = std::thread([this] { run_direction("tx", &PacketDatapath::tx_loop); });
        rx_thread_ = std::thread([this] { run_direction("rx", &PacketDatapath::rx_loop); });
    } catch (...) {
        stop_threads();  // a started thread must not outlive a failed constructor (or meet ~thread joinable)
        throw;
    }
    spdlog::info("packet datapath: master tap {} (ifindex {})", tap_.name(), tap_.ifindex());
}

PacketDatapath::~PacketDatapath() { stop_threads(); }

void PacketDatapath::stop_threads() noexcept {
    signal(stop_);
    if (tx_thread_.joinable()) tx_thread_.join();
    if (rx_thread_.joinable()) rx_thread_.join();
}

void PacketDatapath::run_direction(const char* name, void (PacketDatapath::*loop)()) noexcept {
    try {
        (this->*loop)();
    } catch (const std::exception& e) {
        fail(std::string(name) + " thread: " + e.what());
    } catch (...) {
        fail(std::string(name) + " thread: unknown exception");
    }
}

void PacketDatapath::fail(std::string why) {
    spdlog::error("packet datapath failed: {}", why);
    std::lock_guard lock(failure_mutex_);
    if (!failure_) failure_ = std::move(why);
}

std::optional<std::string> PacketDatapath::failure() const {
    std::lock_guard lock(failure_mutex_);
    return failure_;
}

std::shared_ptr<os::PacketSocket> PacketDatapath::socket_of(std::size_t slot) const {
    std::lock_guard lock(sockets_mutex_);
    return sockets_[slot];
}

void PacketDatapath::wake_rx() { signal(rx_wake_); }

void PacketDatapath::attach(Slot slot, const SlaveEndpoint& slave) {
    auto socket = std::make_shared<os::PacketSocket>(
        os::PacketSocket::open(slave.ifindex, options_.master.slave_netns_fd, options_.socket));
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
    out.tx_dropped_full = tx_dropped_full_.get();
    out.rx_dropped_full = rx_dropped_full_.get();
    return out;
}

void PacketDatapath::tx_loop() {
    os::FrameBatch batch(options_.batch);
    pollfd fds[2] = {{stop_.get(), POLLIN, 0}, {tap_.fd(), POLLIN, 0}};
    while (true) {
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            throw_errno("tx poll");
        }
        if (fds[0].revents) return;
        if (fds[1].revents & (POLLERR | POLLNVAL)) throw SystemError(ENODEV, "tap " + tap_.name() + " is gone");
        std::size_t n = 0;
        for (; n < batch.capacity(); ++n) {
            ssize_t len = tap_.read(batch.buffer(n));
            if (len < 0 && errno == EBADFD)
                throw SystemError(EBADFD, "tap " + tap_.name() + " was destroyed with its namespace");
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
        const auto [sent, full] = socket->send_batch(batch, n);
        std::uint64_t bytes = 0;
        for (std::size_t i = 0; i < sent; ++i) bytes += payload(batch.length(i));
        auto& stats = stats_[static_cast<std::size_t>(slot)];
        stats.tx_packets.add(sent);
        stats.tx_bytes.add(bytes);
        tx_dropped_full_.add(full);
        tx_dropped_.add(n - sent - full);
    }
}

void PacketDatapath::rx_loop() {
    os::FrameBatch batch(options_.batch);
    std::array<std::shared_ptr<os::PacketSocket>, 2> sockets;
    // A socket that wakes us only with errors (a device stuck reporting POLLERR) would spin this thread:
    // after kErrorWakeups in a row it is not polled again until attach() replaces it. Holding it keeps its
    // address from being reused by that replacement.
    constexpr unsigned kErrorWakeups = 64;
    std::array<std::shared_ptr<os::PacketSocket>, 2> muted;
    std::array<unsigned, 2> error_wakeups{};
    while (true) {
        {
            std::lock_guard lock(sockets_mutex_);
            sockets = sockets_;
        }
        pollfd fds[4] = {{stop_.get(), POLLIN, 0}, {rx_wake_.get(), POLLIN, 0}, {-1, POLLIN, 0}, {-1, POLLIN, 0}};
        for (std::size_t s = 0; s < 2; ++s) {
            if (muted[s] && muted[s] != sockets[s]) muted[s].reset();
            // negative fd: poll ignores the entry
            if (sockets[s] && !muted[s]) fds[2 + s].fd = sockets[s]->fd();
        }
        if (::poll(fds, 4, -1) < 0) {
            if (errno == EINTR) continue;
            throw_errno("rx poll");
        }
        if (fds[0].revents) return;
        if (fds[1].revents) {
            drain(rx_wake_);
            continue;  // re-read the socket set first
        }
        for (std::size_t s = 0; s < 2; ++s) {
            short ev = fds[2 + s].revents;
            if (!ev) continue;
            std::size_t n = 0;
            bool received = false;
            // The device went down or away; the error is normally reported once. A socket whose device is
            // gone stays silent until attach() replaces it.
            if (ev & POLLERR) sockets[s]->take_error();
            if (ev & POLLIN) {
                try {
                    const auto truncated_before = sockets[s]->truncated_dropped();
                    n = sockets[s]->receive(batch);
                    stats_[s].rx_dropped.add(sockets[s]->truncated_dropped() - truncated_before);
                    received = true;
                } catch (const SystemError& e) {
                    spdlog::warn("packet datapath rx: {}", e.what());
                }
            }
            if (received || !(ev & (POLLERR | POLLHUP | POLLNVAL))) {
                error_wakeups[s] = 0;
            } else if (++error_wakeups[s] >= kErrorWakeups) {
                spdlog::warn("packet datapath rx: {} socket (ifindex {}) reports only errors; not polled until the "
                             "slot is attached again",
                             slot_name(static_cast<Slot>(s)), sockets[s]->ifindex());
                muted[s] = sockets[s];
                error_wakeups[s] = 0;
            }
            if (n == 0) continue;
            deliver(s, batch, n);
        }
    }
}

void PacketDatapath::deliver(std::size_t slot, os::FrameBatch& batch, std::size_t n) {
    auto& stats = stats_[slot];
    if (!rx_deliver_[slot].load(std::memory_order_relaxed)) {
        stats.rx_dropped.add(n);
        return;
    }
    std::uint64_t packets = 0, bytes = 0, dropped = 0, full = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (tap_.write(batch.frame(i)) < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
                ++full;
            else
                ++dropped;  // tap down (EIO)
            continue;
        }
        ++packets;
        bytes += payload(batch.length(i));
    }
    stats.rx_packets.add(packets);
    stats.rx_bytes.add(bytes);
    stats.rx_dropped.add(dropped);
    rx_dropped_full_.add(full);
}

}  // namespace nf::datapath
