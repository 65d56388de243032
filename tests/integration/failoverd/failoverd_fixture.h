#pragma once
// One lab + one failoverd per test, for each (datapath, model) pair.
#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "daemon_process.h"
#include "guest_lab.h"

namespace nf::failoverd::test {

struct Setup {
    std::string datapath;  // "bpf" | "packet"
    std::string model;     // "3dev" | "hidden" | "2dev"
};

inline void PrintTo(const Setup& s, std::ostream* os) { *os << s.datapath << "/" << s.model; }

inline std::string setup_name(const ::testing::TestParamInfo<Setup>& info) {
    const std::string& m = info.param.model;
    return info.param.datapath + "_" + (m == "3dev" ? std::string("three_dev") : m == "2dev" ? "two_dev" : m);
}

// A fresh guest lab per test and the failoverd processes the test started in it (their logs are printed
// when the test failed), for fixtures parameterised by anything.
template <class Param>
class GuestLabTest : public ::testing::TestWithParam<Param> {
protected:
    void SetUp() override { lab_ = std::make_unique<GuestLab>(); }
    void TearDown() override {
        if (::testing::Test::HasFailure())
            for (auto& d : daemons_) std::cerr << "---- failoverd log ----\n" << d->log();
        daemons_.clear();
        lab_.reset();
    }

    nlohmann::json status() { return query_status(lab_->control()).value_or(nlohmann::json::object()); }

    std::unique_ptr<GuestLab> lab_;
    std::vector<std::unique_ptr<DaemonProcess>> daemons_;
};

class FailoverdFixture : public GuestLabTest<Setup> {
protected:
    void SetUp() override {
        GuestLabTest::SetUp();
        if (two_dev()) lab_->standby_is_master();
    }

    bool hidden() const { return GetParam().model == "hidden"; }
    bool two_dev() const { return GetParam().model == "2dev"; }
    bool bpf() const { return GetParam().datapath == "bpf"; }
    std::string slave_ns() const { return hidden() ? lab_->private_netns() : lab_->guest(); }

    DaemonProcess& launch(std::vector<std::string> extra = {}) {
        std::vector<std::string> args = {"--standby", "sb0", "--master", lab_->master(), "--model", GetParam().model,
                                         "--datapath", GetParam().datapath, "--foreground", "--log-level", "debug"};
        if (two_dev()) args.insert(args.end(), {"--control", lab_->control()});
        args.insert(args.end(), extra.begin(), extra.end());
        daemons_.push_back(std::make_unique<DaemonProcess>(lab_->guest(), args,
                                                           "/tmp/nfd-" + lab_->tag() + "-" +
                                                               std::to_string(daemons_.size()) + ".log"));
        return *daemons_.back();
    }
    // Launches and waits for the control socket; the master gets its IP.
    DaemonProcess& start(std::vector<std::string> extra = {}) {
        DaemonProcess& d = launch(std::move(extra));
        EXPECT_TRUE(d.wait_ready(lab_->control())) << d.log();
        return d;
    }

    bool wait_active(const std::string& which, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        return wait_until([&] { return status().value("active", "") == which; }, timeout);
    }

};

}  // namespace nf::failoverd::test
