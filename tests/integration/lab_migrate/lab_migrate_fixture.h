#pragma once
// A lab of its own for `failover-lab migrate` (prefix nflm<pid>, subnet 10.84.0.0/24, vm1 on hostA, the
// default moved filter), up before each test and down after it (also when the test fails); the
// failover-lab binary run as a user runs it.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "lab/topology/lab_names.h"

namespace nf::lab::test {

inline constexpr const char* kVmIp = "10.84.0.10";

struct LabRun {
    int status = -1;     // exit status, -1 when killed or timed out
    std::string out;     // stdout
    std::string err;     // stderr
};

class LabMigrate : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    static std::string prefix();
    LabNames names() const { return LabNames(prefix()); }
    // failover-lab ARGS (bounded: killed after `timeout`).
    static LabRun lab(const std::vector<std::string>& args, std::chrono::seconds timeout = std::chrono::seconds(60));
    // `failover-lab migrate vm1 --to HOST --prefix P --json [extra]`, parsed; fails the test unless it
    // printed JSON.
    nlohmann::json migrate(const std::string& host, const std::vector<std::string>& extra = {}, int expect_exit = 0);
    // `failover-lab status --prefix P --json`.
    nlohmann::json status();
    // Polls failoverd's control socket until it reports `active` as its TX slave (bounded).
    void wait_guest_active(const std::string& active, std::chrono::milliseconds timeout = std::chrono::seconds(10));
};

}  // namespace nf::lab::test
