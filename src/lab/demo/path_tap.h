#pragma once
// Which path carried a packet: a packet socket on a host-side port (the VF's bridge port, the PV backend
// port) that tags every stream packet it sees, in either direction, with the port's path label
// (Recorder::note_path), and counts them per direction.
#include <array>
#include <atomic>
#include <cstdint>
#include <stop_token>
#include <string>

#include "common/unique_fd.h"
#include "lab/traffic/recorder.h"

namespace nf::lab::demo {

class PathTap {
public:
    // Opens an AF_PACKET socket bound to `ifname` in the named namespace `netns`; only UDP datagrams to
    // `port` count. Throws SystemError (naming the interface) when it cannot.
    PathTap(Recorder& recorder, const std::string& netns, const std::string& ifname, std::string label,
            std::uint16_t port);

    // Reads frames until `stop` is requested (noticed within 50 ms).
    void run(std::stop_token stop);

    const std::string& label() const { return label_; }
    // Stream packets seen, by Direction; safe to read while running.
    std::uint64_t seen(Direction direction) const { return seen_[static_cast<std::size_t>(direction)].load(); }

private:
    Recorder& recorder_;
    std::string label_;
    PathId path_;
    std::uint16_t port_;
    UniqueFd socket_;
    std::array<std::atomic<std::uint64_t>, kDirectionCount> seen_{};
};

}  // namespace nf::lab::demo
