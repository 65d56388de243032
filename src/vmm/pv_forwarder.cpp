#include "vmm/pv_forwarder.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "common/error.h"

namespace nf::vmm {

namespace {
void watch(int epoll_fd, int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    check_syscall(::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev), "epoll_ctl add");
}

// sendmmsg/write on an O_NONBLOCK fd return EAGAIN instead of waiting for room.
void make_nonblocking(int fd, const char* what) {
    const int flags = static_cast<int>(check_syscall(::fcntl(fd, F_GETFL), what));
    if (!(flags & O_NONBLOCK)) check_syscall(::fcntl(fd, F_SETFL, flags | O_NONBLOCK), what);
}

bool queue_full(int error) { return error == EAGAIN || error == EWOULDBLOCK || error == ENOBUFS; }

// One batch in flight for the life of the object: the sequence is odd meanwhile.
class InFlight {
public:
    explicit InFlight(std::atomic<std::uint64_t>& seq) : seq_(seq) { seq_.fetch_add(1); }
    ~InFlight() {
        seq_.fetch_add(1);
        seq_.notify_all();
    }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

private:
    std::atomic<std::uint64_t>& seq_;
};
}  // namespace

PvForwarder::PvForwarder(const os::TapDevice& tap, os::PacketSocket& backend, PvCounters& counters,
                         std::unique_ptr<PausedFrameSink> paused_sink, bool paused,
                         std::optional<migration::NetpassLimits> hold)
    : tap_(tap), backend_(backend), counters_(counters), paused_sink_(std::move(paused_sink)) {
    paused_.store(paused);
    tx_paused_.store(paused);
    if (hold) {
        ordering_ = migration::NetpassOrdering(*hold);
        ordering_.hold();
        holding_.store(true);
    }
    if (!paused_sink_) paused_sink_ = std::make_unique<DropPausedFrames>(counters_);
    make_nonblocking(tap_.fd(), "O_NONBLOCK on the standby's tap");
    make_nonblocking(backend_.fd(), "O_NONBLOCK on the backend's packet socket");
    epoll_ = UniqueFd(static_cast<int>(check_syscall(::epoll_create1(EPOLL_CLOEXEC), "epoll_create1")));
    stop_event_ = UniqueFd(static_cast<int>(check_syscall(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), "eventfd")));
    watch(epoll_.get(), stop_event_.get());
    if (!paused) watch(epoll_.get(), tap_.fd());  // paused: the guest's frames wait in the tap
    watch(epoll_.get(), backend_.fd());
    thread_ = std::thread([this] { run(); });
}

PvForwarder::~PvForwarder() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(stop_event_.get(), &one, sizeof one);
    if (thread_.joinable()) thread_.join();
}

void PvForwarder::set_paused(bool paused) {
    paused_.store(paused);
    wait_batch_out();
    const std::lock_guard lock(tx_mutex_);
    if (paused == tx_paused_.load()) return;
    if (paused) {
        const std::size_t drained = forward_guest_frames(kMaxDrain);
        count(counters_.tx_drained_at_pause, drained);
    }
    tx_paused_.store(paused);
    // Paused, the tap is not read at all: what the guest queues meanwhile waits in the tap, as in a stopped
    // VM's virtqueue, for whichever VMM resumes it (after a migration, the destination).
    if (tap_dead_.load()) return;
    if (paused) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, tap_.fd(), nullptr);
    else watch(epoll_.get(), tap_.fd());
}

void PvForwarder::start_paused() {
    paused_.store(true);
    wait_batch_out();
    const std::lock_guard lock(tx_mutex_);
    if (tx_paused_.exchange(true) || tap_dead_.load()) return;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, tap_.fd(), nullptr);
}

void PvForwarder::hold_from_bridge(migration::NetpassLimits limits) {
    const std::lock_guard lock(hold_mutex_);
    if (holding_.load()) return;  // held since the tap arrived: what it holds stays, in order
    ordering_ = migration::NetpassOrdering(limits);
    ordering_.hold();
    holding_.store(true);
}

void PvForwarder::inject_then_release(std::vector<migration::NetpassFrame> cached) {
    // Frames that reached the destination meanwhile follow the injected ones; the forwarder thread writes
    // nothing to the guest while it sees holding_ under the lock.
    const std::lock_guard lock(hold_mutex_);
    const std::size_t injected = cached.size();
    std::vector<migration::NetpassFrame> ordered = ordering_.inject(std::move(cached));
    for (std::size_t i = 0; i < ordered.size(); ++i) {
        write_to_guest(ordered[i].bytes);
        if (i < injected) count(counters_.rx_injected);
    }
    holding_.store(false);
}

migration::NetpassCounters PvForwarder::ordering_counters() const {
    const std::lock_guard lock(hold_mutex_);
    return ordering_.counters();
}

void PvForwarder::write_to_guest(std::span<const std::byte> frame) {
    if (!link_up_.load()) {
        count(counters_.rx_dropped_link_down);
    } else if (tap_dead_) {
        count(counters_.rx_errors);
    } else if (tap_.write(frame) < 0) {
        const int error = errno;
        count(error == EIO ? counters_.rx_dropped_guest_down
                           : queue_full(error) ? counters_.rx_dropped_full : counters_.rx_errors);
    } else {
        count(counters_.rx_frames);
        count(counters_.rx_bytes, frame.size());
    }
}

void PvForwarder::set_link_up(bool up) {
    link_up_.store(up);
    wait_batch_out();
}

// Both sides are sequentially consistent: either the forwarder's batch began before our flag store and
// we see it odd here, or it began after and reads the new flag.
void PvForwarder::wait_batch_out() {
    if (std::this_thread::get_id() == thread_.get_id()) return;
    const std::uint64_t seq = batch_seq_.load();
    if (seq % 2 != 0) batch_seq_.wait(seq);
}

void PvForwarder::run() {
    epoll_event events[4];
    for (;;) {
        const int n = ::epoll_wait(epoll_.get(), events, 4, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            spdlog::error("pv forwarder: epoll_wait: {}", std::strerror(errno));
            return;
        }
        count(counters_.wakeups);
        const InFlight batch(batch_seq_);
        for (int i = 0; i < n; ++i) {
            const int fd = events[i].data.fd;
            if (fd == stop_event_.get()) return;
            try {
                if (fd == backend_.fd()) bridge_to_guest();
                else if (fd == tap_.fd()) guest_to_bridge();
            } catch (const std::exception& e) {
                spdlog::error("pv forwarder: {}", e.what());
            }
        }
    }
}

void PvForwarder::bridge_to_guest() {
    const std::lock_guard rx_lock(rx_mutex_);
    deliver_from_bridge(receive_from_bridge());
}

std::size_t PvForwarder::receive_from_bridge() {
    if (const int err = backend_.take_error(); err != 0) spdlog::debug("pv backend socket error: {}", std::strerror(err));
    const auto truncated_before = backend_.truncated_dropped();
    const std::size_t n = backend_.receive(from_bridge_);
    count(counters_.rx_dropped_truncated, backend_.truncated_dropped() - truncated_before);
    return n;
}

template <typename Deliver>
std::size_t PvForwarder::drain_bridge(Deliver deliver) {
    std::size_t drained = 0;
    while (drained < kMaxDrain) {
        const std::size_t n = receive_from_bridge();
        if (n == 0) break;
        deliver(n);
        drained += n;
    }
    return drained;
}

void PvForwarder::deliver_from_bridge(std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
        const auto frame = from_bridge_.frame(i);
        // A hold comes first: a destination holds from the moment the guest's tap arrives, while it is still
        // paused, so frames the switch sends it before the guest resumes there wait for the source's.
        if (holding_.load()) {
            const std::lock_guard lock(hold_mutex_);
            if (holding_.load()) {  // the injection may have finished meanwhile: then as without a hold
                const auto dropped = ordering_.counters().dropped;
                const std::uint32_t vnet = tap_.vnet_hdr() ? os::TapDevice::kVnetHdrSize : 0;
                for (const auto& now : ordering_.arrived({vnet, {frame.begin(), frame.end()}})) write_to_guest(now.bytes);
                count(ordering_.counters().dropped != dropped ? counters_.rx_dropped_held_full : counters_.rx_held);
                continue;
            }
        }
        if (paused_.load()) {
            paused_sink_->take(frame);
            continue;
        }
        write_to_guest(frame);
    }
}

void PvForwarder::drain_bridge_to_sink() {
    const std::lock_guard lock(rx_mutex_);
    if (!paused_.load()) return;
    count(counters_.rx_drained_for_netpass, drain_bridge([this](std::size_t n) {
              for (std::size_t i = 0; i < n; ++i) paused_sink_->take(from_bridge_.frame(i));
          }));
}

void PvForwarder::drain_bridge_to_guest() {
    const std::lock_guard lock(rx_mutex_);
    count(counters_.rx_drained_at_switch, drain_bridge([this](std::size_t n) { deliver_from_bridge(n); }));
}

void PvForwarder::drain_guest_to_bridge() {
    const std::lock_guard lock(tx_mutex_);
    if (tx_paused_.load()) return;
    count(counters_.tx_drained_at_switch, forward_guest_frames(kMaxDrain));
}

void PvForwarder::guest_to_bridge() {
    const std::lock_guard lock(tx_mutex_);
    if (tx_paused_.load()) return;  // an event from just before the tap left the epoll set
    forward_guest_frames(from_guest_.capacity());
}

std::size_t PvForwarder::forward_guest_frames(std::size_t limit) {
    std::size_t total = 0;
    while (total < limit && !tap_dead_) {
        const std::size_t before = total;
        total += forward_guest_batch();
        if (total == before) break;
    }
    return total;
}

std::size_t PvForwarder::forward_guest_batch() {
    std::size_t n = 0;
    while (n < from_guest_.capacity()) {
        const ssize_t len = tap_.read(from_guest_.buffer(n));
        if (len < 0) {
            if (errno == EAGAIN || errno == EINTR) break;
            // EBADFD/EIO: the VM's namespace (and with it the tap) is gone; stop polling a dead fd.
            spdlog::warn("pv forwarder: tap {} read: {}; no longer forwarding from the guest", tap_.name(),
                         std::strerror(errno));
            tap_dead_.store(true);
            ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, tap_.fd(), nullptr);
            break;
        }
        from_guest_.set_length(n, static_cast<std::size_t>(len));
        ++n;
    }
    if (n == 0) return 0;
    if (!link_up_.load()) {
        count(counters_.tx_dropped_link_down, n);
        return n;
    }
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < n; ++i) bytes += from_guest_.length(i);
    errno = 0;
    const std::size_t sent = backend_.send(from_guest_, n);
    // PacketSocket::send skips a refused frame and goes on; errno tells why the last one was refused.
    const int refused = errno;
    count(counters_.tx_frames, sent);
    count(counters_.tx_bytes, bytes);
    count(queue_full(refused) ? counters_.tx_dropped_full : counters_.tx_errors, n - sent);
    return n;
}

}  // namespace nf::vmm
