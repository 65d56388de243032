#pragma once
// Test fixtures: every namespace is named nfos-<pid>-<tag> and removed on scope exit, also on failure.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "os/link_monitor.h"
#include "os/netns.h"
#include "os/rtnl.h"

namespace nf::os::testing {

inline std::string unique_ns_name(const std::string& tag) {
    return "nfos-" + std::to_string(::getpid()) + "-" + tag;
}

// A named namespace that exists for the life of the object.
class ScopedNetns {
public:
    explicit ScopedNetns(const std::string& tag) : name_(unique_ns_name(tag)), ns_(Netns::create_named(name_)) {}
    ~ScopedNetns() {
        try {
            Netns::remove_named(name_);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "cleanup of netns " << name_ << ": " << e.what();
        }
    }
    ScopedNetns(const ScopedNetns&) = delete;
    ScopedNetns& operator=(const ScopedNetns&) = delete;

    const std::string& name() const { return name_; }
    const Netns& ns() const { return ns_; }
    Rtnl rtnl() const { return Rtnl::in(ns_); }

private:
    std::string name_;
    Netns ns_;  // our handle keeps the namespace alive until we drop it, after the name is gone
};

// Two namespaces "a" and "b" per test; links created inside them die with them.
class TwoNamespaces : public ::testing::Test {
protected:
    static std::string tag(const char* side) {
        return std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()).substr(0, 24) + "-" + side;
    }
    ScopedNetns a_{tag("a")};
    ScopedNetns b_{tag("b")};
};

// Collects events until `done` holds for one of them, or the timeout passes. Returns everything seen.
inline std::vector<LinkEvent> collect_until(LinkMonitor& monitor, const std::function<bool(const LinkEvent&)>& done,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    std::vector<LinkEvent> seen;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        monitor.wait(std::chrono::milliseconds(50));
        for (auto& event : monitor.drain()) {
            seen.push_back(event);
            if (done(event)) return seen;
        }
    }
    return seen;
}

inline bool any_of(const std::vector<LinkEvent>& events, const std::function<bool(const LinkEvent&)>& pred) {
    for (const auto& e : events)
        if (pred(e)) return true;
    return false;
}

}  // namespace nf::os::testing
