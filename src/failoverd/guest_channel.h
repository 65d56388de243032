#pragma once
// failoverd as the guest's virtio and PCI hotplug drivers on the lab VMM's device channel
// (device/channel_protocol.h, docs/lab-contract.md): it connects to the VMM's socket (retrying every
// 100 ms while it is not there, and again after the VMM goes), acks the features our standby is offered
// (STANDBY included, unless configured not to), and answers an eject request for the primary after the
// daemon has removed it make-before-break. The connection and the retry timer live on the daemon's
// EventLoop. Single-threaded, like the daemon.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/event_loop.h"
#include "common/mac_address.h"
#include "device/channel_protocol.h"
#include "qmp/device_channel.h"

namespace nf::failoverd {

class GuestChannel {
public:
    struct Callbacks {
        // The host asked to eject our primary (`device` is the VMM's id for it): move TX and RX to the
        // standby, announce, close the primary. Called before the ack; must not throw, must not block long.
        std::function<void(const std::string& device)> remove_primary;
        // The host took the request back before the device went.
        std::function<void(const std::string& device)> cancel_removal;
        // Whether the device the host plugged with `mac` is our primary although `mac` is not the standby's:
        // a trusted VF paired by id, which the host plugs with a MAC of its own and which wears the
        // standby's only since failoverd gave it. Without this its eject request would look foreign and be
        // acked at once, before TX and RX moved to the standby (the lab lost 5-21 packets each way).
        std::function<bool(const MacAddress& mac)> plugged_primary_is_ours;
    };

    static constexpr std::chrono::milliseconds kRetryInterval{100};
    static constexpr std::chrono::milliseconds kRetryLogInterval{5000};

    // Starts connecting at once; never throws for a missing socket (it keeps retrying on `loop`, which must
    // outlive the channel).
    GuestChannel(EventLoop& loop, std::string path, bool standby_ack, MacAddress standby_mac, Callbacks callbacks);
    ~GuestChannel();  // unwatches the connection, cancels a pending retry
    GuestChannel(const GuestChannel&) = delete;
    GuestChannel& operator=(const GuestChannel&) = delete;

    bool connected() const { return client_.has_value(); }
    // {path, connected, standby_ack, negotiated: [ids], ejects_acked, ...}
    nlohmann::json status() const;

private:
    struct Known {
        device::channel::Role role = device::channel::Role::Standby;
        std::optional<MacAddress> mac;
    };

    void try_connect();
    void disconnect(const std::string& why);
    void arm_retry();
    void drain();
    void handle(const device::channel::Message& message);
    void on_hello(const device::channel::Hello& hello);
    void on_eject(const std::string& device);
    void remember(const device::channel::DeviceInfo& info);
    // A device of the standby's MAC (MAC pairing), one the VMM gave no MAC, or our id-paired primary.
    bool ours(const Known& known) const;
    void send(const device::channel::Message& message);

    std::string path_;
    bool standby_ack_;
    MacAddress standby_mac_;
    Callbacks callbacks_;
    EventLoop& loop_;
    EventLoop::TimerId retry_ = 0;  // pending while not connected
    std::optional<qmp::DeviceChannelClient> client_;

    std::map<std::string, Known> devices_;  // what hello / plugged told us, by the VMM's id
    std::vector<std::string> negotiated_;   // standbys we acked features for, this connection
    std::uint64_t acked_features_ = 0;      // the last set we acked
    std::uint64_t connects_ = 0;
    std::uint64_t protocol_errors_ = 0;   // lines from the VMM that were no channel message
    std::uint64_t ejects_acked_ = 0;
    std::uint64_t retries_ = 0;             // failed connect attempts since the last success
    std::chrono::steady_clock::time_point next_retry_log_{};
};

}  // namespace nf::failoverd
