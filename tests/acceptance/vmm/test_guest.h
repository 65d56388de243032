#pragma once
// A test guest on the device channel: what a guest kernel's virtio and hotplug drivers would do (ack
// features, reset, eject), driven step by step by the test. failoverd plays this role in the lab.
#include <chrono>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "device/channel_protocol.h"
#include "qmp/device_channel.h"

namespace nf::vmm::test {

namespace channel = nf::device::channel;

class TestGuest {
public:
    using Millis = std::chrono::milliseconds;
    // Connects and reads the hello.
    static TestGuest connect(const std::string& path);

    const channel::Hello& hello() const { return hello_; }
    // Offered features of a standby in the hello (0 if not listed).
    std::uint64_t offered(const std::string& standby) const;
    // The virtio driver starts: writes the offered features (minus STANDBY when accept_standby is false),
    // then DRIVER_OK. `offered` falls back to the hello's offer; a hot-added standby needs its Plugged notice.
    void start_driver(const std::string& standby, bool accept_standby = true);
    void reset(const std::string& standby);
    void eject(const std::string& device);
    // Raw bytes on the channel: what a broken or hostile guest driver sends.
    void send_raw(std::string_view bytes) { client_.send_line(bytes); }

    // The next message of type T within `timeout`; other messages stay queued for later waits.
    template <class T>
    std::optional<T> wait(Millis timeout = Millis(3000)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            for (auto it = queue_.begin(); it != queue_.end(); ++it)
                if (const auto* m = std::get_if<T>(&*it)) {
                    T found = *m;
                    queue_.erase(it);
                    return found;
                }
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) return std::nullopt;
            auto message = client_.receive(std::chrono::duration_cast<Millis>(deadline - now));
            if (!message) return std::nullopt;
            remember(*message);
            queue_.push_back(std::move(*message));
        }
    }

private:
    explicit TestGuest(qmp::DeviceChannelClient client) : client_(std::move(client)) {}
    void remember(const channel::Message& message);

    qmp::DeviceChannelClient client_;
    channel::Hello hello_;
    std::map<std::string, std::uint64_t> offers_;
    std::deque<channel::Message> queue_;
};

}  // namespace nf::vmm::test
