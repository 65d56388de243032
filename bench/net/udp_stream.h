#pragma once
// A sequenced UDP stream for the packet-path views: a paced sender and a receiver that stamp every
// datagram with CLOCK_MONOTONIC (steady_clock), so arrivals line up with link events and switch records.
// Sockets are made inside the given namespace and then used from our own threads.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"
#include "net/topology.h"

namespace nf::bench {

using Clock = std::chrono::steady_clock;

struct Arrival {
    std::uint32_t seq;
    Clock::time_point at;  // when recv() returned
};

class UdpReceiver {
public:
    UdpReceiver(const BenchNetns& ns, std::uint16_t port);
    ~UdpReceiver();
    UdpReceiver(const UdpReceiver&) = delete;
    UdpReceiver& operator=(const UdpReceiver&) = delete;

    std::vector<Arrival> arrivals() const;
    void clear();

private:
    void loop();
    UniqueFd fd_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<Arrival> arrivals_;
    std::thread thread_;
};

struct Sent {
    Clock::time_point at;
    bool ok;  // sendto() succeeded (a failure is a loss the application sees at once)
};

class UdpSender {
public:
    // Sends seq 0, 1, 2, ... to dst:port at rate_hz until stop() or destruction.
    UdpSender(const BenchNetns& ns, const std::string& dst, std::uint16_t port, double rate_hz);
    ~UdpSender();
    UdpSender(const UdpSender&) = delete;
    UdpSender& operator=(const UdpSender&) = delete;

    void stop();
    std::vector<Sent> sent() const;  // index = seq

private:
    void loop(std::chrono::nanoseconds period);
    UniqueFd fd_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mutex_;
    std::vector<Sent> sent_;
    std::thread thread_;
};

}  // namespace nf::bench
