#pragma once
// The host side of the real-VM tier: a network namespace the test creates, holding a bridge with the
// host's address (the ping peer) and, once QEMU runs in the namespace, QEMU's two tap backends as ports.
// Made with iproute2 (test set-up only); the destructor deletes the namespace (and so the bridge and
// the taps: QEMU must be gone first), also when the test failed; the constructor sweeps what dead runs left.
//
//   netns nfvm-<tag>:  bridge br0 10.219.0.1/24, ports tpv (virtio standby) and tvf (e1000e primary);
//                      a migration destination's QEMU adds tpv2 and tvf2 (tests/vm/migrate.h)
//   guest:             10.219.0.2/24 on the failover master
#include <chrono>
#include <functional>
#include <string>

namespace nf::vmtest {

inline constexpr const char* kHostIp = "10.219.0.1";
inline constexpr const char* kGuestIp = "10.219.0.2";
inline constexpr const char* kGuestMac = "52:54:00:21:90:02";
inline constexpr const char* kStandbyTap = "tpv";
inline constexpr const char* kPrimaryTap = "tvf";

std::string sh(const std::string& command);   // throws with the output on failure
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                std::chrono::milliseconds poll = std::chrono::milliseconds(50));
// <pid>x<counter>: unique per fixture, so concurrent runs never share a name.
std::string unique_tag();
// Removes namespaces (nfvm-<pid>x...) and run directories (/tmp/nfvm-run-<pid>.*) of test processes that
// died without cleaning up (SIGKILL, a timeout); QEMU died with them (PR_SET_PDEATHSIG).
void sweep_dead_runs();

class HostNet {
public:
    HostNet();
    ~HostNet();
    HostNet(const HostNet&) = delete;
    HostNet& operator=(const HostNet&) = delete;

    const std::string& netns() const { return netns_; }
    // Puts a tap QEMU created into the bridge and brings it up (bounded wait for it to appear).
    void attach_tap(const std::string& tap);
    // The bridge port the guest MAC is learnt on ("" when not learnt): which NIC the host sends to.
    std::string port_of_guest_mac() const;

private:
    std::string netns_;
};

}  // namespace nf::vmtest
