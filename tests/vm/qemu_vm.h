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
//
// A migration destination (QemuOptions::incoming) is started with `-incoming defer` and the same devices
// (the primary left out when the source unplugs it before migrating): it has no guest of its own to wait
// for, its shell is the source's guest once the migration completed (tests/vm/migrate.h). Each QEMU has a
// second QMP socket for a tool run beside the test (QEMU serves one client per -qmp socket).
#include <nlohmann/json.hpp>

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/unique_fd.h"
#include "host_net.h"
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
    // The taps QEMU creates in `netns`: a destination on the same bridge needs names of its own.
    std::string standby_tap = kStandbyTap;
    std::string primary_tap = kPrimaryTap;
    // `-incoming defer`: a migration destination; the constructor waits for QMP only, not for a shell.
    bool incoming = false;
    // The primary on the command line. A failover=off destination starts without it (the source unplugs
    // it before migrating, and the device sets must match); failover=on keeps it (QEMU hides it).
    bool with_primary = true;
    // Appended to QEMU's command line (e.g. another suite's extra device or object); a destination made by
    // start_destination() gets them too.
    std::vector<std::string> extra_args;
    // A trusted VF: the e1000e's own MAC (empty: the guest MAC, the standby's) and its ACPI index
    // (acpi-index=N on the device; 0: none). QEMU 7.2's q35 hot-plugs root ports by ACPI, which makes the
    // index visible in the guest's sysfs (docs/scenarios-qemu.md, TRUSTED VFS).
    std::string primary_mac;
    unsigned primary_acpi_index = 0;
};

// The guest's kernel crashed (an oops, BUG or panic on its console). QEMU 7.2 under TCG has corrupted a
// guest's memory across a migration now and then (a "list_add corruption" BUG in the page allocator right
// after the destination resumed, with the kernel's net_failover and with failoverd alike): not a failure of
// the code under test, and GuestSuite boots a fresh guest and repeats the test once when it happens.
class GuestCrashed : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
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
    const QemuOptions& options() const { return options_; }
    GuestKind kind() const { return options_.kind; }
    const std::string& standby_tap() const { return options_.standby_tap; }
    const std::string& primary_tap() const { return options_.primary_tap; }
    // The second QMP socket, for a tool (failover-migrate) beside the test's own client.
    std::string tool_qmp_path() const { return run_dir_ + "/tool-qmp.sock"; }
    // Where a destination listens for the migration stream (migrate-incoming).
    std::string incoming_uri() const { return "unix:" + run_dir_ + "/migration.sock"; }

    // One shell command line in the guest; its exit status and output (stdout + stderr). Throws when no
    // answer comes within `timeout` (the guest hung or died): GuestCrashed when its kernel crashed.
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
    // The console line that shows the guest's kernel crashed (oops, BUG, panic); "" while it has not.
    std::string crash_signature() const;

private:
    void start_qemu();
    void read_console();
    void stop() noexcept;
    // `what` as the exception run() throws: GuestCrashed (with the crash line) when the kernel crashed.
    [[noreturn]] void fail(const std::string& what) const;

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
