#pragma once
// Whether a frame is group-addressed (broadcast or multicast: the I/G bit of its destination MAC). The
// bridge floods such frames to every port, so each tap has its own copy: netpass keeps and passes on only
// unicast frames (edge/netpass.bpf.c applies the same rule in the kernel).
#include <cstdint>
#include <span>

namespace nf::netpass {

inline bool group_addressed(std::span<const std::uint8_t> frame) { return !frame.empty() && (frame[0] & 1) != 0; }

}  // namespace nf::netpass
