#pragma once
// Test labs: prefix nflt<pid % 10000> (unique per test process, so ctest -j cannot mix two), subnet
// 10.79.0.0/24 (not the default lab's), no VMM or guest. Always torn down, also when a test fails.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "lab/topology/lab.h"

namespace nf::lab::testing {

std::string test_prefix();
// The default lab moved to the test prefix and subnet, with vmm.start = guest.start = false.
LabConfig test_config();

// Removes the lab on construction (leftovers of a crashed run of this pid) and on destruction.
class ScopedLab {
public:
    explicit ScopedLab(std::string prefix = test_prefix());
    ~ScopedLab();
    ScopedLab(const ScopedLab&) = delete;
    ScopedLab& operator=(const ScopedLab&) = delete;
    const std::string& prefix() const { return prefix_; }

private:
    std::string prefix_;
};

// Nothing of the lab remains: no <prefix>-* netns, no netfailover/<prefix> cgroup, no run dir.
::testing::AssertionResult lab_is_gone(const std::string& prefix);

// One UDP datagram from `from_netns` to `to_ip`:`port`, received by a socket bound in `to_netns`.
// Retries for `timeout` (the first frames wait for ARP). Returns what was received, "" on timeout.
std::string udp_roundtrip(const std::string& from_netns, const std::string& to_netns, const std::string& to_ip,
                          unsigned short port, const std::string& payload,
                          std::chrono::milliseconds timeout = std::chrono::seconds(3));

}  // namespace nf::lab::testing
