#pragma once
// An AF_PACKET socket bound to one netdev: virtio-net headers (GSO frames pass whole), our own TX not
// read back, qdisc bypass, promiscuous, a big receive buffer, and batched receive/send. A packet socket
// dies with its device (platform-notes §7.7): open a new one when the device returns.
#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "common/unique_fd.h"
#include "os/frame_batch.h"

namespace nf::os {

struct PacketSocketOptions {
    bool vnet_hdr = true;
    bool ignore_outgoing = true;
    bool qdisc_bypass = true;
    bool promiscuous = true;
    int receive_buffer = 16 << 20;   // SO_RCVBUFFORCE (falls back to SO_RCVBUF)
    int send_buffer = 4 << 20;
};

class PacketSocket {
public:
    // Binds to ifindex in the namespace netns_fd (-1 = current).
    static PacketSocket open(int ifindex, int netns_fd = -1, PacketSocketOptions options = {});

    int fd() const { return fd_.get(); }
    int ifindex() const { return ifindex_; }

    // Up to batch.capacity() frames without waiting; 0 when none is queued. Throws on real errors.
    // A frame longer than the batch's slots (MSG_TRUNC) is dropped and counted, never returned cut.
    std::size_t receive(FrameBatch& batch);
    std::uint64_t truncated_dropped() const { return truncated_dropped_; }
    struct SendResult {
        std::size_t sent = 0;  // taken by the device
        std::size_t full = 0;  // dropped: the send queue was full (EAGAIN/ENOBUFS)
    };
    // Sends frames [0, count) of batch (each [vnet hdr] + frame) without ever waiting: a full queue drops
    // the rest of the batch (a blocked sender could not be stopped). A refused frame is skipped; a device
    // error (down, gone) stops the batch.
    SendResult send_batch(FrameBatch& batch, std::size_t count);
    // The frames the device took; errno is EAGAIN/ENOBUFS when a full queue stopped the batch.
    std::size_t send(FrameBatch& batch, std::size_t count) { return send_batch(batch, count).sent; }
    // Reads and clears the pending socket error (POLLERR), 0 if none.
    int take_error();

private:
    PacketSocket(UniqueFd fd, int ifindex) : fd_(std::move(fd)), ifindex_(ifindex) {}

    UniqueFd fd_;
    int ifindex_ = 0;
    std::uint64_t truncated_dropped_ = 0;
};

}  // namespace nf::os
