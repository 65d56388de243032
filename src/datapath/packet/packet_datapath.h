#pragma once
// The portable datapath (no CAP_BPF needed): the master is a TAP device whose fd we hold, each slave an
// AF_PACKET socket, all with virtio-net headers so 64 KiB GSO frames are copied whole, not segmented.
// Two threads, one per direction (platform-notes §6 measured this shape at ~21 Gbit/s TCP):
//   tx: tap -> read batch -> sendmmsg to the active slave's socket (none: drop + count)
//   rx: poll both slave sockets -> recvmmsg -> RX policy -> write to the tap
// The TAP is created inside MasterSpec::master_netns_fd (we setns there on this thread only), the packet
// sockets inside MasterSpec::slave_netns_fd. The daemon sets the TAP's MAC, MTU and admin state.
#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/unique_fd.h"
#include "datapath/datapath.h"
#include "os/packet_socket.h"
#include "os/tap_device.h"

namespace nf::datapath {

struct PacketDatapathOptions {
    MasterSpec master;
    std::size_t batch = 64;            // frames per recvmmsg/sendmmsg: bounds memory (64 x 66 KiB per direction)
    os::PacketSocketOptions socket{};
};

class PacketDatapath final : public Datapath {
public:
    explicit PacketDatapath(PacketDatapathOptions options);
    ~PacketDatapath() override;  // wakes and joins both threads; the TAP disappears with its fd
    PacketDatapath(const PacketDatapath&) = delete;
    PacketDatapath& operator=(const PacketDatapath&) = delete;

    std::string_view kind() const override { return "packet"; }
    int master_ifindex() const override { return tap_.ifindex(); }
    const std::string& master_name() const { return tap_.name(); }

    // Opens a fresh socket for the slot every time: a device that came back is a new device.
    void attach(Slot slot, const SlaveEndpoint& slave) override;
    void detach(Slot slot) override;
    void set_tx(std::optional<Slot> slot) override;
    void set_rx(Slot slot, bool deliver) override;
    void set_carrier(bool on) override;
    DatapathCounters counters() const override;
    // Set when a direction's thread died (an exception, the TAP destroyed); it forwards nothing after.
    std::optional<std::string> failure() const override;

private:
    // Each counter has one writer (its direction's thread); readers may see a slightly old value.
    struct Counter {
        std::atomic<std::uint64_t> value{0};
        void add(std::uint64_t n) { value.store(value.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
        std::uint64_t get() const { return value.load(std::memory_order_relaxed); }
    };
    struct SlotStats { Counter tx_packets, tx_bytes, rx_packets, rx_bytes, rx_dropped; };

    // Runs one direction's loop; whatever ends it early is logged and becomes failure().
    void run_direction(const char* name, void (PacketDatapath::*loop)()) noexcept;
    void fail(std::string why);
    void stop_threads() noexcept;
    void tx_loop();
    void rx_loop();
    // Hands n received frames of one slot to the master (or drops them: RX policy, TAP down or full).
    void deliver(std::size_t slot, os::FrameBatch& batch, std::size_t n);
    std::shared_ptr<os::PacketSocket> socket_of(std::size_t slot) const;
    void wake_rx();

    PacketDatapathOptions options_;
    os::TapDevice tap_;
    UniqueFd stop_;      // eventfd: both threads exit
    UniqueFd rx_wake_;   // eventfd: the RX thread re-reads the socket set

    mutable std::mutex sockets_mutex_;
    std::array<std::shared_ptr<os::PacketSocket>, 2> sockets_;   // a thread's copy keeps a replaced socket alive
    std::atomic<int> tx_slot_{-1};
    std::array<std::atomic<bool>, 2> rx_deliver_{};
    std::array<SlotStats, 2> stats_;
    Counter tx_dropped_;
    Counter tx_dropped_full_;
    Counter rx_dropped_full_;

    mutable std::mutex failure_mutex_;
    std::optional<std::string> failure_;

    std::thread tx_thread_;
    std::thread rx_thread_;
};

}  // namespace nf::datapath
