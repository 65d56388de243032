#pragma once
// One real QEMU (TCG) guest for the real-VM tier, owned: the constructor starts qemu-system-x86_64 inside
// the test's network namespace, connects QMP and the serial console (both unix sockets in a private run
// directory) and waits (bounded) for the guest's shell; the destructor kills QEMU (SIGTERM, then SIGKILL
// after a bounded wait) and removes the run directory. QEMU also dies with the test process
// (PR_SET_PDEATHSIG), so a crashed test leaves no guest behind.
//
// Machine: q35, one pcie-root-port per NIC, the standby `virtio-net-pci` (id "standby") and an `e1000e`
// (id "primary") with the same MAC standing in for the VF, each on a tap in the test's namespace. The
// primary is given as JSON (`-device {...}`): with key=value syntax a re-add after device_del fails with
// "Duplicate ID"; `romfile=""` because the e1000e option ROM breaks migration ("Unknown ramblock").
#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/unique_fd.h"
#include "qmp/qmp_client.h"

namespace nf::vmtest {

enum class GuestKind {
    failoverd,  // failover=off: the kernel makes no master, failoverd runs in the guest
    kernel,     // failover=on + failover_pair_id: the kernel's net_failover
};

struct QemuOptions {
    std::string guest_dir;  // vmlinuz + initrd.gz (scripts/build-guest --out)
    std::string netns;      // where QEMU runs, so its taps appear there
    GuestKind kind = GuestKind::failoverd;
    bool ipv6 = true;       // false: ipv6.disable=1 on the guest's command line
    int memory_mib = 512;
    // A trusted VF: the e1000e's own MAC (empty: the guest MAC, the standby's) and its ACPI index
    // (acpi-index=N on the device; 0: none). QEMU 7.2's q35 hot-plugs root ports by ACPI, which makes the
    // index visible in the guest's sysfs (docs/scenarios-qemu.md, TRUSTED VFS).
    std::string primary_mac;
    unsigned primary_acpi_index = 0;
};

struct GuestResult {
    int status = -1;
    std::string output;
};

class QemuVm {
public:
    using Millis = std::chrono::milliseconds;

    explicit QemuVm(QemuOptions options, Millis boot_timeout = Millis(120000));
    ~QemuVm();
    QemuVm(const QemuVm&) = delete;
    QemuVm& operator=(const QemuVm&) = delete;

    qmp::QmpClient& qmp() { return *qmp_; }
    // Private to this VM, removed with it: sockets, QEMU's log, the host ping's output.
    const std::string& run_dir() const { return run_dir_; }
    double boot_seconds() const { return boot_seconds_; }

    // One shell command line in the guest; its exit status and output (stdout + stderr). Throws when no
    // answer comes within `timeout` (the guest hung or died).
    GuestResult run(const std::string& command, Millis timeout = Millis(30000));
    // run(), throwing unless the status is 0.
    std::string run_ok(const std::string& command, Millis timeout = Millis(30000));

    // The primary's device_add arguments (also used on the command line).
    nlohmann::json primary_device() const;
    // device_del of the primary and a bounded wait for DEVICE_DELETED (the guest ejected it).
    void unplug_primary(Millis timeout = Millis(30000));
    void plug_primary();

    // The console transcript and QEMU's stderr, for failure messages.
    std::string transcript() const;
    std::string qemu_log() const;

private:
    void start_qemu();
    void read_console();
    void stop() noexcept;

    QemuOptions options_;
    std::string run_dir_;
    pid_t pid_ = -1;
    std::unique_ptr<qmp::QmpClient> qmp_;
    UniqueFd console_;
    std::thread console_reader_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::string transcript_;
    bool console_closed_ = false;
    int next_command_ = 1;
    double boot_seconds_ = 0;
};

}  // namespace nf::vmtest
