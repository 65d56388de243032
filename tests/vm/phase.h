#pragma once
// A measured phase of the real-VM tier: pings both ways at 20/s (host namespace -> guest, guest -> host),
// an action (device_del, device_add, nothing), a bounded wait until the guest has settled (e.g. failoverd
// reports the primary active), then a bounded wait until traffic flows again both ways; loss and outage
// per direction, counted by sequence number.
//
// A migration phase (tests/vm/migrate.h) moves the guest to a second QEMU in the action; the guest's ping
// is then read there.
//
// Results are also appended, one JSON object per line, to the file named by NF_VM_RESULTS when it is
// set: `make compare` (scripts/compare) turns them into the table in docs/bench.md.
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <string>

#include "host_net.h"
#include "ping_log.h"
#include "qemu_vm.h"

namespace nf::vmtest {

struct PhaseResult {
    std::string guest;   // "failoverd bpf/3dev", "kernel net_failover"
    bool ipv6 = true;
    std::string phase;   // "boot", "unplug", "replug"
    PingSummary to_guest, to_host;
    double settle_s = 0;  // action -> settled condition
    std::string host_port_after;  // bridge port the guest MAC is learnt on once recovered
    std::string host_port_role;   // what that port is for the guest's QEMU: "VF", "standby" or "other"
    nlohmann::json details;       // what the action reports (a migration: how, exit, seconds, downtime)

    std::string describe() const;
};

struct PhaseSpec {
    std::string guest;
    bool ipv6 = true;
    std::string phase;
    std::function<void()> action;     // may be empty
    // When the action moves the guest to another QEMU (a migration): the VM it runs in afterwards, for the
    // guest's half of the pings; that VM and the one given to run_phase must both live until it returns.
    std::function<QemuVm&()> guest_after_action;
    std::function<bool()> settled;    // polled until true; may be empty
    // Asked once the phase has ended (its pings counted): what the action reports, into PhaseResult::details.
    std::function<nlohmann::json(const PhaseResult&)> details;
    std::chrono::milliseconds settle_timeout{30000};
    // After settling: how long traffic may take to flow again both ways (the kernel's net_failover can
    // need tens of seconds on re-plug with IPv6 off).
    std::chrono::milliseconds recover_timeout{20000};
};

PhaseResult run_phase(QemuVm& vm, const HostNet& net, const PhaseSpec& spec);

// The guest's half: iputils `ping -D` to the host in the guest's background, output to /tmp/gping.
// Called by path: busybox's shell prefers its own applets to same-named programs on PATH.
class GuestPing {
public:
    explicit GuestPing(QemuVm& vm);
    ~GuestPing();
    GuestPing(const GuestPing&) = delete;
    GuestPing& operator=(const GuestPing&) = delete;
    PingSummary read();
    PingSummary stop(int after_seq = 0);
    // The guest (and its ping) now answers on another QEMU's console: it was migrated there.
    void moved_to(QemuVm& vm) { vm_ = &vm; }

private:
    QemuVm* vm_;
    std::string pid_;
};

void record(const PhaseResult& result);

}  // namespace nf::vmtest
