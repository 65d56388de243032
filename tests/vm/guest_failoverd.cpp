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

std::string GuestFailoverd::log(QemuVm& on, int lines) {
    return on.run("dmesg | grep ' failoverd ' | tail -n " + std::to_string(lines)).output;
}

std::string GuestFailoverd::log_tail(QemuVm& on) { return log(on, 60); }

void GuestFailoverd::start(QemuVm& on, const std::string& args, const std::string& what) {
    // failoverd logs into the kernel's log: each line is stamped on the kernel's clock when failoverd writes
    // it, beside the drivers' lines (the suites check the order of failoverd's switch and the e1000e's
    // removal). printk_devkmsg on: userspace lines are otherwise rate-limited to 10 per 5 s. They are logged
    // at the default level (4), which the guest's loglevel=1 keeps off the console the harness talks over.
    pid_ = on.run_ok("echo on > /proc/sys/kernel/printk_devkmsg; failoverd " + args +
                     " --foreground > /dev/kmsg 2>&1 & echo $!");
    while (!pid_.empty() && (pid_.back() == '\n' || pid_.back() == '\r')) pid_.pop_back();
    bool exited = false;
    ASSERT_TRUE(wait_until(
        [&] {
            exited = on.run("kill -0 " + pid_).status != 0;
            return exited || active_is(on, "primary");
        },
        Millis(60000), Millis(500)))
        << "failoverd " << what << "; status " << status(on).dump() << "\nlog:\n"
        << log(on, 200);
    if (exited) {
        const std::string lines = log(on, 200);
        pid_.clear();  // nothing to stop
        FAIL() << "failoverd exited at start-up:\n" << lines;
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
