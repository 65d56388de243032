#pragma once
// One booted guest shared by the tests of a suite (a TCG boot costs ~10 s): the host namespace, QEMU and
// the guest are made in SetUpTestSuite and removed in TearDownTestSuite, also when a test failed; a
// failing test prints the guest's console and QEMU's log. Each ctest entry runs one suite (one boot).
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "host_net.h"
#include "migrate.h"
#include "phase.h"
#include "qemu_vm.h"

namespace nf::vmtest {

// The guest built by scripts/build-guest (the vm_guest ctest fixture builds it before the tier).
std::string guest_dir();

class GuestSuite : public ::testing::Test {
protected:
    // `adjust` changes the QEMU options before the boot (a trusted VF's own MAC and id).
    static void boot(GuestKind kind, bool ipv6, const std::function<void(QemuOptions&)>& adjust = {});
    static void shutdown();
    // Runs one test's body; when the guest's kernel crashes in it (GuestCrashed, or any error once the
    // console shows a crash) before the test recorded a failure of its own, a fresh guest is booted as the
    // suite's was and the body runs once more. A second crash, or a crash after a failure, fails the test.
    void retry_on_guest_crash(const std::function<void()>& body);
    // A fresh guest replaced the crashed one: what the suite keeps about the old guest is void.
    virtual void on_guest_rebooted() {}
    void SetUp() override;
    void TearDown() override;

    static QemuVm& vm() { return *vm_; }
    static HostNet& net() { return *net_; }
    static bool ipv6() { return ipv6_; }

    // Bounded wait until one ping from the guest reaches the host: right after `ip link set up` the
    // guest's first ARP can go unanswered for seconds (the kernel's master waits for the e1000e's
    // carrier), and a phase starts from flowing traffic.
    static bool wait_guest_reaches_host(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));
    // What the guest and the host bridge hold (links, neighbours, the bridge's FDB), for a failure message.
    static std::string network_state();

    // A measured phase "migrate (<how>)": the suite's guest is migrated to a second QEMU (started before
    // the phase: an operator has it ready) under pings both ways; `settled` is asked about the destination.
    // Afterwards vm() is the destination and the source is gone, also when the phase failed after the
    // guest moved. `report` is filled once the migration command has returned.
    static PhaseResult migrate_phase(const std::string& guest, MigrateHow how,
                                     const std::function<bool(QemuVm&)>& settled, MigrationReport& report,
                                     std::chrono::milliseconds recover_timeout = std::chrono::milliseconds(20000));

    static inline std::unique_ptr<HostNet> net_;
    static inline std::unique_ptr<QemuVm> vm_;
    static inline bool ipv6_ = true;
    static inline GuestKind kind_ = GuestKind::failoverd;
    static inline std::function<void(QemuOptions&)> adjust_;
    static inline std::string boot_error_;
};

}  // namespace nf::vmtest
