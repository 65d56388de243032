#pragma once
// failoverd as the guest's virtio and PCI hotplug drivers on the lab VMM's device channel
// (device/channel_protocol.h, docs/lab-contract.md): it connects to the VMM's socket (retrying every
// 100 ms while it is not there, and again after the VMM goes), acks the features our standby is offered
// (STANDBY included, unless configured not to), and answers an eject request for the primary after the
// daemon has removed it make-before-break. One pollable fd (an inner epoll over the connection and the
// retry timer) goes into the daemon's loop. Single-threaded, like the daemon.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/mac_address.h"
#include "common/unique_fd.h"
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
    };

    static constexpr std::chrono::milliseconds kRetryInterval{100};
    static constexpr std::chrono::milliseconds kRetryLogInterval{5000};

    // Starts connecting at once; never throws for a missing socket (it keeps retrying).
    GuestChannel(std::string path, bool standby_ack, MacAddress standby_mac, Callbacks callbacks);
    GuestChannel(const GuestChannel&) = delete;
    GuestChannel& operator=(const GuestChannel&) = delete;

    // Readable when the VMM sent something or a retry is due; then call dispatch().
    int fd() const { return epoll_.get(); }
    void dispatch();

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
    void arm_retry(bool on);
    void drain();
    void handle(const device::channel::Message& message);
    void on_hello(const device::channel::Hello& hello);
    void on_eject(const std::string& device);
    void remember(const device::channel::DeviceInfo& info);
    bool ours(const Known& known) const { return !known.mac || *known.mac == standby_mac_; }
    void send(const device::channel::Message& message);

    std::string path_;
    bool standby_ack_;
    MacAddress standby_mac_;
    Callbacks callbacks_;
    UniqueFd epoll_;
    UniqueFd timer_;
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
