#include "guest_failoverd.h"

#include <gtest/gtest.h>

#include <chrono>

#include "host_net.h"

namespace nf::vmtest {

using Millis = std::chrono::milliseconds;

nlohmann::json GuestFailoverd::status(QemuVm& on) {
    const GuestResult r = on.run("failoverctl --timeout 2000 status --json", Millis(10000));
    if (r.status != 0) return nullptr;
    try {
        return nlohmann::json::parse(r.output);
    } catch (const nlohmann::json::exception&) {
        return nullptr;
    }
}

bool GuestFailoverd::active_is(QemuVm& on, const std::string& slot) {
    const auto s = status(on);
    return !s.is_null() && s.value("active", "") == slot;
}

bool GuestFailoverd::primary_gone(QemuVm& on) {
    const auto s = status(on);
    return !s.is_null() && s.value("active", "") == "standby" && s.contains("primary") &&
           !s["primary"].value("present", true);
}

std::string GuestFailoverd::log_tail(QemuVm& on) { return on.run("tail -n 60 /tmp/failoverd.log").output; }

void GuestFailoverd::start(QemuVm& on, const std::string& args, const std::string& what) {
    pid_ = on.run_ok("failoverd " + args + " --foreground > /tmp/failoverd.log 2>&1 & echo $!");
    while (!pid_.empty() && (pid_.back() == '\n' || pid_.back() == '\r')) pid_.pop_back();
    bool exited = false;
    ASSERT_TRUE(wait_until(
        [&] {
            exited = on.run("kill -0 " + pid_).status != 0;
            return exited || active_is(on, "primary");
        },
        Millis(60000), Millis(500)))
        << "failoverd " << what << "; status " << status(on).dump() << "\nlog:\n"
        << on.run("cat /tmp/failoverd.log").output;
    if (exited) {
        const std::string log = on.run("cat /tmp/failoverd.log").output;
        pid_.clear();  // nothing to stop
        FAIL() << "failoverd exited at start-up:\n" << log;
    }
}

void GuestFailoverd::stop(QemuVm& on) {
    const std::string p = pid_;
    pid_.clear();
    // Bounded: SIGTERM, up to 10 s, then SIGKILL. The shell prints failoverd's exit status.
    const GuestResult r = on.run("kill -TERM " + p + "; i=0; while kill -0 " + p +
                                 " 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; kill -9 " + p +
                                 " 2>/dev/null; wait " + p + "; echo exit=$?",
                                 Millis(30000));
    EXPECT_NE(r.output.find("exit=0"), std::string::npos) << "failoverd did not stop cleanly: " << r.output;
}

}  // namespace nf::vmtest
