#pragma once
// Frames kept by netpass are copied out of the kernel as bytes, and bytes are all that survives: the
// skb's checksum state does not. A TCP or UDP frame the host's own stack sent toward the VM usually
// carries only a partial checksum (CHECKSUM_PARTIAL: the offload contract with the tap, whose reader,
// QEMU, is told NEEDS_CSUM in the vnet header and completes it). Re-injected as plain bytes, that frame
// reaches the guest with a wrong checksum and is dropped there: every kept UDP datagram was lost in the
// real-VM tier (tests/vm/netpass_guest_test.cpp) while ICMP, checksummed in full by ping, got through.
//
// complete_partial_checksum() finds exactly that state and completes the checksum: an IPv4 or IPv6
// (no extension headers) TCP or UDP segment, not a fragment, whose checksum field holds the folded
// pseudo-header sum (what the kernel writes for CHECKSUM_PARTIAL) and does not verify. A frame with a
// valid checksum, any other frame, and a frame with any other wrong checksum are left as they are.
#include <cstdint>
#include <span>

namespace nf::netpass {

// true when the frame was changed (its L4 checksum completed).
bool complete_partial_checksum(std::span<std::uint8_t> frame);

}  // namespace nf::netpass
