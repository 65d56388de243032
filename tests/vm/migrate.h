#pragma once
// Live migration of a tier guest to a second QEMU on the same host set-up (the test's namespace and
// bridge), for every vm-tier suite:
//
//   auto destination = start_destination(*vm, net, how);    // -incoming defer, taps on the bridge, listening
//   MigrationReport r = migrate(*vm, *destination, net, how);  // afterwards the guest runs in *destination
//
// or migrate_vm(), both in one call. The destination's taps are named apart from the source's (tpv2/tvf2
// after tpv/tvf, and back), so a guest can be migrated again from there.
//
// Three ways, compared by `make compare`:
// - failover_migrate: the project's `failover-migrate` binary, run as a user runs it (both QEMUs' second
//   QMP sockets, --json for its report), `--netpass off`: what the host sends while the guest is paused
//   for stop-and-copy, or before the bridge has learnt the destination's port, is lost. failover=off
//   (failoverd in the guest): it device_dels the VF and waits for DEVICE_DELETED, migrates, and plugs the
//   VF on the destination (--primary-device). failover=on
//   (the kernel's net_failover): QEMU unplugs in wait-unplug and the destination, started with the primary
//   hidden on its command line, plugs it when the migrated guest's STANDBY ack is loaded. No host filter:
//   the tier's bridge learns the guest MAC from its frames (the filters are for a NIC's embedded switch).
// - failover_migrate_host_netpass: the same with `--netpass host` on the standbys' taps (the source's and
//   the destination's, both in the test's namespace): failover-netpass keeps what reaches the stopped
//   source and the destination's QEMU gets it first once the guest runs there (issue 11). And a source
//   filter (`fdb:` on the bridge: the guest MAC to the source's standby tap before the VF's unplug,
//   released once the destination runs, before netpass finishes): on the tier's one bridge it also keeps the
//   destination's frames on the stopped source until then, which netpass carries on. No destination
//   filter: it would point the MAC at the re-plugged e1000e seconds before it has carrier.
// - manual_script: the order of the kernel doc's script (Documentation/networking/net_failover.rst),
//   plain QMP and `bridge`, each command standing for its virsh counterpart and waiting only as that
//   does: set_link standby up; `bridge fdb del MAC dev <VF port> master`; device_del of the VF and its
//   DEVICE_DELETED (virsh detach-device waits for it); migrate until completed (virsh migrate --live
//   blocks); device_add of the VF on the destination (virsh attach-device). No bounds of its own beyond
//   those, no announce, no undo. Both destinations start without the VF for this order.
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "host_net.h"
#include "qemu_vm.h"

namespace nf::vmtest {

enum class MigrateHow {
    failover_migrate,               // --netpass off
    failover_migrate_host_netpass,  // --netpass host on the standbys' taps
    manual_script,
};
// "failover-migrate", "failover-migrate --netpass host", "manual script"
const char* to_string(MigrateHow how);
inline bool runs_failover_migrate(MigrateHow how) { return how != MigrateHow::manual_script; }

struct MigrationReport {
    MigrateHow how = MigrateHow::failover_migrate;
    int exit_code = -1;       // failover-migrate's exit status; manual_script: 0 once every command was done
    nlohmann::json output;    // failover-migrate --json; manual_script: the source's final query-migrate
    std::string errors;       // failover-migrate's stderr
    double seconds = 0;       // the whole migration command (or script), start to end
    double downtime_ms = -1;  // the source's query-migrate downtime; -1 when not reported
    bool ok() const { return exit_code == 0; }
    std::string describe() const;
    // failover-migrate's timeline, one line per step end and QMP event ("  812 ms destination event
    // FAILOVER_NEGOTIATED"), for the test log; "" for the manual script.
    std::string timeline_text() const;
};

// The failover-migrate binary: $NF_FAILOVER_MIGRATE, else the one built with this test.
std::string failover_migrate_binary();

// A second QEMU for `source`'s guest in the same namespace: the same machine and standby, `-incoming
// defer` then migrate-incoming on its incoming_uri(), its taps attached to the bridge. The primary is on its
// command line only where QEMU itself plugs it (failover=on with failover-migrate).
std::unique_ptr<QemuVm> start_destination(const QemuVm& source, HostNet& net, MigrateHow how);

// Migrates the guest from `source` to `destination` (from start_destination). Throws only when the
// harness itself fails (a bound of the manual script passed, failover-migrate could not be run); a
// failover-migrate that fails is reported in exit_code/output.
// `tool_args` are appended to failover-migrate's command line (ignored by the manual script).
MigrationReport migrate(QemuVm& source, QemuVm& destination, const HostNet& net, MigrateHow how,
                        std::chrono::milliseconds timeout = std::chrono::milliseconds(180000),
                        const std::vector<std::string>& tool_args = {});

struct Migrated {
    std::unique_ptr<QemuVm> destination;
    MigrationReport report;
};
// start_destination + migrate. The source stays (paused, `postmigrate`) until the caller drops it.
Migrated migrate_vm(QemuVm& source, HostNet& net, MigrateHow how);

}  // namespace nf::vmtest
