#pragma once
// Receives the stream on a UDP socket and feeds every datagram, with its CLOCK_MONOTONIC arrival time
// and an optional path label, to a Recorder. Several receivers may share one recorder.
#include <cstdint>
#include <optional>
#include <stop_token>
#include <string_view>

#include "common/unique_fd.h"
#include "lab/traffic/recorder.h"
#include "lab/traffic/udp_address.h"

namespace nf::lab {

class Receiver {
public:
    // Opens and binds its socket in the calling thread's network namespace.
    Receiver(Recorder& recorder, const UdpAddress& bind, std::string_view path_label = {});
    // Uses a bound socket the caller opened (e.g. inside another namespace).
    Receiver(Recorder& recorder, UniqueFd socket, std::string_view path_label = {});

    // Receives until `stop` is requested (noticed within 50 ms) or, if given, CLOCK_MONOTONIC reaches
    // until_ns. Throws SystemError on a socket error.
    void run(std::stop_token stop, std::optional<std::int64_t> until_ns = std::nullopt);

    // The bound address, e.g. to learn the port after binding port 0.
    UdpAddress local_address() const;

private:
    Recorder& recorder_;
    UniqueFd socket_;
    PathId path_;
};

}  // namespace nf::lab
