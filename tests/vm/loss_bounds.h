#pragma once
// The loss bounds failoverd is held to in a real guest, per direction at 20 pings/s, whatever pairs the VF
// (its MAC, or its id in trusted_vf_guest_test.cpp).

namespace nf::vmtest {

// The target (issue 8): at most one packet lost per direction on re-plug, where the kernel loses seconds.
inline constexpr int kMaxReplugLoss = 1;
// Unplug. A real guest's unplug has no eject handshake (ACPI/PCIe hotplug removes the device; no device
// channel to ack first, as with failover-vmm), and the e1000e's remove() stops sending ~70 ms (TCG) before
// its netdev goes. failoverd moves TX at the first uevent of that removal (the PTP clock under the VF's PCI
// function, failoverd/primary_leave.h): in the guest's kernel log 0-12 ms from "removed PHC", 60-70 ms
// before "NIC Link is Down" (asserted). Measured at 20/s under TCG on this 2-core machine, shared with
// builds and another engineer's QEMU tier, lost toward the guest / toward the host:
//   before (TX moved at the netdev's link events), bpf/3dev, 5 runs: plain unplug 1-2 (median 2) / 1-2
//   (median 1); the migration's unplug 1-2 (median 1) / 1-2 (median 1); every model 1-2 (make compare);
//   after (each suite run once or more, IPv6 on and off, MAC- and id-paired): bpf/3dev 0-1 (median 0, 13 of
//   15 runs 0) / 0 in all 15; bpf/hidden 0-1 (median 1) / 0-1 (median 0), 5 runs; packet/hidden 0-1
//   (median 1) / 0-1 (median 0), 10 runs; packet/3dev 0-2 (median 0; 2 once) / 0-1 (median 0), 8 runs;
//   the migration's unplug (bpf/3dev) 0-1 (median 1) / 0-1 (median 0), 9 runs.
// The bound is the most seen: the target (1) holds in every median and in every run but one packet/3dev
// unplug. The kernel's net_failover loses 2-4 on the same unplug.
inline constexpr int kMaxUnplugLoss = 2;

}  // namespace nf::vmtest
