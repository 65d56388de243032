#pragma once
// The PV path of one standby, like QEMU's tap backend with vhost=off: a thread moves frames between the
// guest's tap fd and the backend port's AF_PACKET socket, both with virtio-net headers so GSO frames pass
// whole. Paused (VM stopped): frames from the bridge go to the PausedFrameSink (dropped + counted today,
// netpass later) and frames from the guest are dropped, so a stopped VM is also silent on the network.
// Every send is non-blocking: a full queue drops (and counts) the frame rather than stall the thread, so
// stop, set_link and teardown never wait on the network.
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "common/unique_fd.h"
#include "datapath/packet/frame_batch.h"
#include "datapath/packet/packet_socket.h"
#include "datapath/packet/tap_device.h"
#include "vmm/counters.h"
#include "vmm/paused_frames.h"

namespace nf::vmm {

class PvForwarder {
public:
    static constexpr std::size_t kBatch = 32;

    // Both references must outlive the forwarder. Starts forwarding at once, unpaused, link up.
    PvForwarder(const datapath::TapDevice& tap, datapath::PacketSocket& backend, PvCounters& counters,
                std::unique_ptr<PausedFrameSink> paused_sink);
    ~PvForwarder();  // stops and joins the thread
    PvForwarder(const PvForwarder&) = delete;
    PvForwarder& operator=(const PvForwarder&) = delete;

    // Returns once no batch is in flight, so nothing is forwarded after a `stop` reply.
    void set_paused(bool paused);
    bool paused() const { return paused_.load(); }
    // set_link: with the link down nothing crosses (QEMU drops in both directions).
    void set_link_up(bool up);

private:
    void run();
    void bridge_to_guest();
    void guest_to_bridge();
    // Returns once the batch in flight, if any, is over (never waits on a syscall: they do not block).
    void wait_batch_out();

    const datapath::TapDevice& tap_;
    datapath::PacketSocket& backend_;
    PvCounters& counters_;
    std::unique_ptr<PausedFrameSink> paused_sink_;
    datapath::FrameBatch from_bridge_{kBatch};
    datapath::FrameBatch from_guest_{kBatch};
    std::atomic<bool> paused_{false};
    std::atomic<bool> link_up_{true};
    bool tap_dead_ = false;
    std::atomic<std::uint64_t> batch_seq_{0};  // odd while a batch is moved
    UniqueFd epoll_;
    UniqueFd stop_event_;
    std::thread thread_;
};

}  // namespace nf::vmm
