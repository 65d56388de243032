#pragma once
// The PV path of one standby, like QEMU's tap backend with vhost=off: a thread moves frames between the
// guest's tap fd and the backend port's AF_PACKET socket, both with virtio-net headers so GSO frames pass
// whole. Paused (VM stopped): frames from the bridge go to the PausedFrameSink (dropped + counted today,
// netpass: netpass_frames.h) and the guest's tap is not read (its frames wait there, as in a stopped VM's
// virtqueue), so a stopped VM is also silent on the network.
// Every send is non-blocking: a full queue drops (and counts) the frame rather than stall the thread, so
// stop, set_link and teardown never wait on the network.
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/unique_fd.h"
#include "os/frame_batch.h"
#include "os/packet_socket.h"
#include "os/tap_device.h"
#include "vmm/counters.h"
#include "migration/netpass_ordering.h"
#include "vmm/paused_frames.h"

namespace nf::vmm {

class PvForwarder {
public:
    static constexpr std::size_t kBatch = 32;

    // Both references must outlive the forwarder. Starts forwarding at once, link up; unpaused unless
    // `paused` (as start_paused), and holding frames from the bridge from the first one if `hold` is given
    // (as hold_from_bridge): both take effect before the thread reads anything, so frames already queued on
    // the backend socket are neither forwarded nor dropped as a pause's.
    PvForwarder(const os::TapDevice& tap, os::PacketSocket& backend, PvCounters& counters,
                std::unique_ptr<PausedFrameSink> paused_sink, bool paused = false,
                std::optional<migration::NetpassLimits> hold = std::nullopt);
    ~PvForwarder();  // stops and joins the thread
    PvForwarder(const PvForwarder&) = delete;
    PvForwarder& operator=(const PvForwarder&) = delete;

    // Returns once no batch is in flight, so nothing is forwarded after a `stop` reply. Pausing first
    // forwards what the guest had already queued on its tap (at most kMaxDrain frames): a frame the guest
    // sent before the pause is never left behind in a host queue.
    static constexpr std::size_t kMaxDrain = 4096;
    void set_paused(bool paused);
    // Paused from the start, with nothing drained: a migration's destination adopting the guest's tap must
    // not send what the guest queued before it runs here (that would move the switch's FDB too early).
    void start_paused();
    // Netpass on the destination (the core's NetpassOrdering, made thread-safe here): from now on frames
    // from the bridge wait (bounded; beyond that dropped and counted) instead of reaching the guest, also
    // while paused (a hold wins over the paused sink); a hold already under way goes on as it is...
    void hold_from_bridge(migration::NetpassLimits limits);
    // ...until the source's frames are written to the guest's tap, then the held ones, in arrival order;
    // then forwarding is direct again. With no hold, the frames are simply written first.
    void inject_then_release(std::vector<migration::NetpassFrame> cached);
    void release() { inject_then_release({}); }  // no cache will come
    bool holding() const { return holding_.load(); }
    migration::NetpassCounters ordering_counters() const;  // of the last hold: injected, held, dropped
    bool paused() const { return paused_.load(); }
    // Netpass on the source, just before the kept frames are sent: what reached the backend and still waits
    // on its socket goes to the paused sink now (at most kMaxDrain frames). Under load the forwarder thread
    // may not have read it yet, and a frame the cache never saw is lost: the switch sent it here before it
    // learnt the destination's port.
    void drain_bridge_to_sink();
    // The host moved the guest's MAC to its VF: what reached the backend before and still waits on its
    // socket (or in the batch the thread is moving) is delivered now, as the thread would (paused: to the
    // sink; holding: held), at most kMaxDrain frames, so the VF's first frames cannot overtake it.
    void drain_bridge_to_guest();
    // The guest's TX is about to move to its VF: what it queued on the tap goes to the bridge now (unless
    // paused), at most kMaxDrain frames, so the VF's frames do not overtake it in a lagging thread.
    void drain_guest_to_bridge();
    // set_link: with the link down nothing crosses (QEMU drops in both directions).
    void set_link_up(bool up);

private:
    void run();
    void bridge_to_guest();
    std::size_t receive_from_bridge();  // one batch into from_bridge_, counted; the frames read; rx_mutex_ held
    // Receives batches until the socket is empty (at most kMaxDrain frames), each handed to `deliver`
    // (called with the batch's frame count); the frames drained. rx_mutex_ held.
    template <typename Deliver>
    std::size_t drain_bridge(Deliver deliver);
    void deliver_from_bridge(std::size_t n);  // the first n frames of from_bridge_; rx_mutex_ held
    void guest_to_bridge();
    // Reads the tap until empty (or `limit` frames) and sends what it read; tx_mutex_ held.
    std::size_t forward_guest_frames(std::size_t limit);
    std::size_t forward_guest_batch();  // one batch read and sent; the frames read
    void write_to_guest(std::span<const std::byte> frame);
    // Returns once the batch in flight, if any, is over (never waits on a syscall: they do not block).
    void wait_batch_out();

    const os::TapDevice& tap_;
    os::PacketSocket& backend_;
    PvCounters& counters_;
    std::unique_ptr<PausedFrameSink> paused_sink_;
    os::FrameBatch from_bridge_{kBatch};
    os::FrameBatch from_guest_{kBatch};
    std::atomic<bool> paused_{false};     // bridge -> guest goes to the sink
    std::atomic<bool> tx_paused_{false};  // guest -> bridge dropped (after the drain)
    std::mutex tx_mutex_;                 // one reader of the tap at a time (forwarder, or the drain)
    std::mutex rx_mutex_;                 // one reader of the backend at a time (forwarder, or the drain)
    std::atomic<bool> holding_{false};
    mutable std::mutex hold_mutex_;       // orders held frames against the injection
    migration::NetpassOrdering ordering_;
    std::atomic<bool> link_up_{true};
    std::atomic<bool> tap_dead_{false};
    std::atomic<std::uint64_t> batch_seq_{0};  // odd while a batch is moved
    UniqueFd epoll_;
    UniqueFd stop_event_;
    std::thread thread_;
};

}  // namespace nf::vmm
