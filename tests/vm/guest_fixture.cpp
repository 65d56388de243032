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
        net_->attach_tap(kStandbyTap);
        net_->attach_tap(kPrimaryTap);
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

void GuestSuite::SetUp() {
    if (!vm_) GTEST_FAIL() << "the guest did not boot: " << boot_error_;
}

void GuestSuite::TearDown() {
    if (HasFailure() && vm_) {
        std::cout << "---- guest console (tail) ----\n" << vm_->transcript() << "\n---- qemu log ----\n"
                  << vm_->qemu_log() << std::endl;
    }
}

bool GuestSuite::wait_guest_reaches_host() {
    return wait_until([] { return vm_->run(std::string("/bin/ping -c 1 -W 1 ") + kHostIp + " >/dev/null").status == 0; },
                      std::chrono::seconds(30), std::chrono::milliseconds(200));
}

}  // namespace nf::vmtest
