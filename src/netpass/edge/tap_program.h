#pragma once
// The netpass tc program on one tap's egress (frames toward the guest), owned. Attached through a tcx link
// where the kernel has it (6.6+): nothing else is created, and the link dies with its fd, so even a killed
// helper leaves nothing. Else a clsact filter: the destructor detaches it and removes the clsact qdisc when we
// created it (adding or removing clsact briefly deactivates the device: a few frames are dropped, which is
// why tcx comes first). The program and its maps are not pinned: they live as long as this object's fds.
#include <bpf/libbpf.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "common/unique_fd.h"
#include "netpass/bounds.h"
#include "netpass/netpass_abi.h"

struct nf_netpass;  // the bpftool skeleton

namespace nf::netpass::edge {

class TapProgram {
public:
    // kind: NP_KEEP (the VMM did not get the frame) or NP_MIRROR (a copy of one it may have read).
    using FrameFn = std::function<void(np_mode kind, std::span<const std::uint8_t>)>;
    // netns_fd < 0: the current namespace. Throws SystemError/ConfigError naming the tap.
    TapProgram(int netns_fd, const std::string& tap, const Bounds& bounds);
    ~TapProgram();
    TapProgram(const TapProgram&) = delete;
    TapProgram& operator=(const TapProgram&) = delete;

    // KEEP/DRAIN reset the counters' bounds window when coming from PASS or MIRROR; deadline 0 = none.
    void set_mode(np_mode mode, Millis deadline_from_now = Millis(0));
    np_counters counters() const;
    // For poll(): readable when frames are in the ring.
    int ring_fd() const;
    // Hands every frame in the ring to `fn`, in order; returns how many.
    int consume(const FrameFn& fn);
    // Idempotent; the destructor calls it.
    void detach() noexcept;
    int ifindex() const { return ifindex_; }
    // The tap's tx_packets and tx_dropped: a tap counts a frame as transmitted when its reader (the VMM)
    // read it, so this tells how many of the frames the program passed the VMM actually took.
    struct TapStats {
        std::uint64_t read = 0;
        std::uint64_t dropped = 0;
    };
    TapStats tap_stats() const;
    const std::string& tap() const { return tap_; }

private:
    int netns_fd_;
    std::string tap_;
    Bounds bounds_;
    int ifindex_ = 0;
    nf_netpass* skel_ = nullptr;
    ring_buffer* ring_ = nullptr;
    UniqueFd link_;          // tcx attachment (kernel >= 6.6): closing it detaches, even when we are killed
    bool attached_ = false;  // clsact filter (older kernels)
    bool created_qdisc_ = false;
    np_mode mode_ = NP_PASS;
    FrameFn fn_;
};

}  // namespace nf::netpass::edge
