#pragma once
// failoverd run inside a booted guest, as the suites drive it: started in the background with its log in
// the guest kernel's log (dmesg), asked with failoverctl, stopped with SIGTERM (bounded). Shared by the MAC-paired
// (failoverd_guest_test.cpp) and the id-paired (trusted_vf_guest_test.cpp) suites.
#include <nlohmann/json.hpp>

#include <string>

#include "qemu_vm.h"

namespace nf::vmtest {

class GuestFailoverd {
public:
    // failoverctl status --json in `on`; null when it does not answer.
    static nlohmann::json status(QemuVm& on);
    static bool active_is(QemuVm& on, const std::string& slot);
    // The primary has left: the standby carries the traffic.
    static bool primary_gone(QemuVm& on);

    // `failoverd ARGS --foreground` in the background, then a bounded wait (60 s) until the primary is
    // active. A fatal test failure (with the log) when failoverd exits or never gets there; `what` names
    // the expectation in that message.
    void start(QemuVm& on, const std::string& args, const std::string& what);
    // SIGTERM, up to 10 s, then SIGKILL; a test failure unless failoverd exited 0.
    void stop(QemuVm& on);
    bool running() const { return !pid_.empty(); }
    static std::string log_tail(QemuVm& on);
    // failoverd's last `lines` log lines, as the guest kernel's log has them (stamped on its clock).
    static std::string log(QemuVm& on, int lines);

private:
    std::string pid_;
};

}  // namespace nf::vmtest
