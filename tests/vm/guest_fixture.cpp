#include "guest_fixture.h"

#include <cstdlib>
#include <iostream>

namespace nf::vmtest {

std::string guest_dir() {
    const char* dir = std::getenv("NF_VM_GUEST_DIR");
    return dir && *dir ? dir : NF_VM_GUEST_DIR;
}

void GuestSuite::boot(GuestKind kind, bool ipv6, const std::function<void(QemuOptions&)>& adjust) {
    ipv6_ = ipv6;
    kind_ = kind;
    adjust_ = adjust;
    boot_error_.clear();
    try {
        net_ = std::make_unique<HostNet>();
    } catch (const std::exception& e) {
        boot_error_ = e.what();
        return;
    }
    QemuOptions options;
    options.guest_dir = guest_dir();
    options.netns = net_->netns();
    options.kind = kind;
    options.ipv6 = ipv6;
    if (adjust) adjust(options);
    try {
        vm_ = std::make_unique<QemuVm>(options);
        net_->attach_tap(vm_->standby_tap());
        net_->attach_tap(vm_->primary_tap());
        std::cout << "[vm] guest booted in " << vm_->boot_seconds() << " s ("
                  << (kind == GuestKind::kernel ? "kernel net_failover" : "failoverd") << ", IPv6 "
                  << (ipv6 ? "on" : "off") << ")" << std::endl;
    } catch (const std::exception& e) {
        // Kept for every test of the suite to report (gtest would report it once, then run them anyway).
        boot_error_ = e.what();
        vm_.reset();
        net_.reset();
    }
}

void GuestSuite::shutdown() {
    vm_.reset();   // QEMU first: its taps live in the namespace
    net_.reset();
}

void GuestSuite::retry_on_guest_crash(const std::function<void()>& body) {
    for (int attempt = 1;; ++attempt) {
        std::string crash;
        try {
            body();
            return;
        } catch (const std::exception& e) {
            crash = vm_ ? vm_->crash_signature() : "";
            if (crash.empty() || attempt > 1 || HasFailure()) throw;
            std::cout << "[vm] the guest kernel crashed (" << crash << "); " << e.what()
                      << "\n---- guest console (tail) ----\n" << vm_->transcript()
                      << "\n[vm] booting a fresh guest and repeating the test once" << std::endl;
        }
        shutdown();
        boot(kind_, ipv6_, adjust_);
        if (!vm_) throw std::runtime_error("the fresh guest did not boot: " + boot_error_);
        on_guest_rebooted();
    }
}

void GuestSuite::SetUp() {
    if (!vm_) GTEST_FAIL() << "the guest did not boot: " << boot_error_;
}

void GuestSuite::TearDown() {
    if (HasFailure() && vm_) {
        std::cout << "---- guest console (tail) ----\n" << vm_->transcript() << "\n---- qemu log ----\n"
                  << vm_->qemu_log() << std::endl;
    }
}

bool GuestSuite::wait_guest_reaches_host(std::chrono::milliseconds timeout) {
    return wait_until([] { return vm_->run(std::string("/bin/ping -c 1 -W 1 ") + kHostIp + " >/dev/null").status == 0; },
                      timeout, std::chrono::milliseconds(200));
}

std::string GuestSuite::network_state() {
    std::string out = "guest:\n" + vm_->run("/bin/ip -s link; /bin/ip neigh").output;
    try {
        out += "host bridge fdb:\n" + sh("bridge -n " + net_->netns() + " fdb show br br0 | grep -i " + kGuestMac);
    } catch (const std::exception& e) {
        out += std::string("host bridge fdb: ") + e.what();
    }
    return out;
}

}  // namespace nf::vmtest

namespace nf::vmtest {

PhaseResult GuestSuite::migrate_phase(const std::string& guest, MigrateHow how,
                                      const std::function<bool(QemuVm&)>& settled, MigrationReport& report,
                                      std::chrono::milliseconds recover_timeout) {
    std::unique_ptr<QemuVm> destination = start_destination(*vm_, *net_, how);
    bool moved = false;
    PhaseSpec spec{guest, ipv6_, std::string("migrate (") + to_string(how) + ")"};
    spec.action = [&] {
        report = migrate(*vm_, *destination, *net_, how);
        moved = report.ok();
        if (!moved) throw std::runtime_error(guest + ": " + report.describe());
    };
    spec.guest_after_action = [&]() -> QemuVm& { return *destination; };
    spec.settled = [&] { return settled(*destination); };
    spec.details = [&] {
        return nlohmann::json{{"how", to_string(how)}, {"exit", report.exit_code}, {"seconds", report.seconds},
                              {"downtime_ms", report.downtime_ms}};
    };
    spec.settle_timeout = std::chrono::milliseconds(60000);
    spec.recover_timeout = recover_timeout;
    const auto adopt = [&] {
        if (moved) vm_ = std::move(destination);  // the source (paused, postmigrate) goes with its taps
    };
    try {
        PhaseResult result = run_phase(*vm_, *net_, spec);
        std::cout << "[vm] " << report.describe() << "\n" << report.timeline_text() << std::flush;
        adopt();
        return result;
    } catch (...) {
        adopt();
        throw;
    }
}

}  // namespace nf::vmtest
