// The --help text of failover-migrate: written to teach, not generated (docs/failover-migrate.1.md).
#include "help.h"

namespace nf::orchestrator {

const char* migrate_help_text() {
    return R"(failover-migrate — live-migrate one VM that has a VF, with every step undone on failure.

SYNOPSIS
  failover-migrate --source QMP --destination QMP --uri URI [--standby ID] [--primary ID]
                   [--primary-device JSON] [--mac MAC] [--source-filter SPEC] [--destination-filter SPEC]
                   [--netpass off|host|vmm|auto] [--netpass-source-tap TAP --netpass-destination-tap TAP]
                   [--json] [--dry-run] [timeouts...]

DESCRIPTION
  The kernel's net_failover documentation migrates a VM with a VF by a script: link the standby up, move
  the NIC's MAC filter off the VF, detach the VF, migrate, attach a VF on the destination. failover-migrate
  runs those steps against two QMP-speaking VMMs (QEMU, or the lab's failover-vmm) and the host NICs'
  filters (netlink), waits for each with a bound, and undoes what it did when a step fails:

    preflight            both VMMs answer; source running, destination `inmigrate` (started with
                         -incoming); no migration running; stream capabilities (postcopy-ram, multifd,
                         x-ignore-shared, mapped-ram) equal on both; the failover pair found. Changes nothing.
    capabilities         migrate-set-capabilities: events, return-path, netpass where both VMMs offer them
                                                                       undo: set back off
    standby-link-up      set_link STANDBY up (source)                  undo: none (kept up: harmless)
    filter-to-standby    source host: frames for the VM's MAC to the standby's (PV) port
                                                                       undo: the filter as found
    primary-link-down    only with --link-down-settle: the VF's link down before it is unplugged, so
                         the guest (failoverd, or the kernel's net_failover) moves to the standby while
                         the VF exists, not during the VF driver's teardown after device_del: set_link
                         PRIMARY down where the VMM emulates it as a NIC (e1000e, igb), else a vf-mac
                         --source-filter's VF link state disable (IFLA_VF_LINK_STATE, `ip link set PF
                         vf N state disable`), else skipped; then the settle
                                                                       undo: the link up again
    unplug-primary       failover=off: device_del PRIMARY, wait for DEVICE_DELETED
                         failover=on: QEMU asks the guest itself inside `migrate` (wait-unplug); both
                         bounded by --unplug-timeout                   undo: device_add it again
    netpass-start        host netpass only: a failover-netpass half on each host's tap, attached
                                                                       undo: both detach; the frames the
                                                                       source kept go back to its VM
    migrate              migrate URI; MIGRATION events and query-migrate (a progress line on a terminal);
                         host netpass is armed at the source's STOP (or the `device` state)
                                                                       undo: migrate_cancel; guest running
    release-source-filter source host: the entry filter-to-standby made is removed (the VM left), as soon
                         as the destination runs (started -S: after announce-self): until then it steers
                         the VM's frames to the stopped source, where only host netpass carries them on
    netpass-finish       host netpass only, once the destination runs and before the VF returns (started
                         -S: after release-source-filter): the halves' counts (told `resumed` at the
                         switch: kept frames injected first, then forwarded ones, then its own)
    plug-primary         destination: failover=on: FAILOVER_NEGOTIATED, then PRIMARY listed (device_add
                         --primary-device if it is not); failover=off: device_add --primary-device.
                         A primary QEMU emulates (not vfio-pci) is added once QEMU's own announcement
                         after the migration is over (its announce-* parameters: 800 ms by default),
                         which would announce the VM's MAC from it too, bounded by --plug-timeout
    filter-to-primary    destination host: frames for the VM's MAC to the VF
                                                                       undo: the filter as found
    resume-destination   `cont` when the destination was started paused (-S): the point of no return
    announce-self        the destination announces the guest's MAC from the standby (a warning if not
                         offered)

  Until the guest runs on the destination, any failure (a refused command, a bound passed, SIGINT or
  SIGTERM) undoes every step done, newest first, and the VM runs on the source with its VF as before.
  Undos that fail on the destination (QEMU quits when its incoming migration fails) are warnings.
  A destination that autostarts (no -S) runs the guest as soon as the migration completes; a failure after
  that cannot be undone (exit 5). Start the destination with -S to keep plug-primary and
  filter-to-primary before the point of no return.

OPTIONS
  --source QMP             the source VMM's QMP socket: unix:PATH or tcp:HOST:PORT (IPv6: tcp:[ADDR]:PORT).
                           QEMU serves one client per -qmp socket: give failover-migrate its own
  --destination QMP        the destination VMM's QMP socket, same syntax
  --uri URI                the migration URI given to `migrate` (e.g. unix:/run/vm1.mig, tcp:HOST:PORT);
                           the destination must be listening on it (-incoming URI or migrate-incoming)
  --standby ID             the standby's qdev id. Default: found on the source with query-pci and
                           qom-get failover_pair_id (exactly one pair must exist, else name it)
  --primary ID             the primary's (VF's) qdev id; default: found as above
  --primary-device JSON    the primary's device_add arguments, a JSON object with at least "driver" and
                           "id", e.g. '{"driver":"vfio-pci","id":"hostdev0","host":"0000:03:10.2",
                           "bus":"root1","failover_pair_id":"net0"}'. Needed with failover=off (the
                           orchestrator plugs the VF on the destination) and used to plug it back on the
                           source when a failed run must undo the unplug
  --mac MAC                the VM's MAC for the filters; default: the standby's `mac` property (qom-get)
  --source-filter SPEC     the source host NIC's MAC filter to move off the VF while migrating:
                             fdb:bridge=BR,vf=PORT,pv=PORT[,netns=NS][,vlan=N]
                                 a Linux bridge standing in for the NIC's embedded switch (the lab): a
                                 sticky static FDB entry for MAC on the VF's port PORT or the standby
                                 backend's port (a tap, failover-vmm's <vm>-pv); netns: a name under
                                 /run/netns
                             vf-mac:pf=IF,vf=N[,netns=NS]
                                 a real SR-IOV PF: VF N's MAC (IFLA_VF_MAC) is zeroed while the VM is away
  --destination-filter SPEC  the destination host's filter, pointed at its VF once plugged (same syntax)
  --link-down-settle MS    run primary-link-down, and give the guest MS (0..10000) to move to the
                           standby before the unplug. Off by default: it pays only when the guest's VF
                           driver reports the carrier loss at once (the frames it sends meanwhile are
                           dropped); QEMU 7.2's e1000e guest driver sees it only at its 2 s watchdog
  --unplug-timeout MS      the guest's release of the VF (DEVICE_DELETED, or leaving wait-unplug): 10000
  --migrate-timeout MS     `migrate` to `completed`: 600000
  --plug-timeout MS        destination, each wait: leaving inmigrate, FAILOVER_NEGOTIATED, QEMU's
                           announcement (an emulated primary), the VF listed: 10000
  --rollback-timeout MS    each undo's own wait (QEMU may wait 30 s for a pending unplug on cancel): 35000
  --connect-timeout MS     reaching each QMP socket: 5000
  --command-timeout MS     each QMP command's reply: 5000
  --netpass MODE           who passes the frames that reach the VM during switchover (default auto):
                             vmm   the VMMs themselves (their `netpass` capability, with return-path)
                             host  failover-netpass on both hosts' taps (stock QEMU): kept on the stopped
                                   source, injected on the destination before any frame of its own
                             off   nobody: those frames are lost (downtime x rate + the announce delay)
                             auto  vmm when both VMMs offer it, else host when the taps are given, else off
  --netpass-source-tap TAP       host netpass: the VM's PV backend tap on the source host (as the bridge
  --netpass-destination-tap TAP  sees it) and on the destination host; both or neither
  --netpass-source-netns NAME    the taps' namespaces (/run/netns/NAME), when not the hosts' own
  --netpass-destination-netns NAME
  --netpass-source-cmd CMD       how each half is started: CMD plus the arguments, run by /bin/sh with the
  --netpass-destination-cmd CMD  half speaking over its stdin/stdout. Default: failover-netpass installed
                                 next to failover-migrate. Across hosts: 'ssh root@hostB failover-netpass'
  --netpass-listen HOST:PORT     where the destination half waits for the source half's TCP connection
                                 (default 127.0.0.1:0, the lab; PORT 0 = any, reported back)
  --netpass-peer HOST            the address the source half connects to (default: --netpass-listen's host)
  --no-announce            skip announce-self on the destination
  --announce-rounds N      announce-self rounds (1..100, default 5; 50 ms initial, 100 ms step)
  --json                   print one JSON object on stdout: result, exit code, failed step, error, undo
                           errors, the pair found, query-migrate's figures and the timeline (every step,
                           undo, QMP command that changes state and QMP event of both VMMs, with
                           wall-clock µs and ms since start)
  --dry-run                run preflight (read-only queries) and print the plan: each step with its undo;
                           nothing is changed
  -h, --help               this text

EXIT STATUS
  0  the VM runs on the destination with its VF plugged
  1  a step failed; everything was undone (the VM runs on the source as before)
  2  bad command line
  3  preflight refused (or a VMM could not be reached); nothing was changed
  4  a step failed and at least one undo failed too: see the message (or "rollback-errors")
  5  a step failed after the guest started on the destination: it runs there, without its VF

EXAMPLES
  # QEMU, failover=on (QEMU unplugs and re-plugs the VF itself), lab bridge filters on both hosts:
  failover-migrate --source unix:/run/a/vm1.qmp --destination unix:/run/b/vm1.qmp --uri tcp:10.0.0.2:4444 \
    --source-filter fdb:netns=hostA,bridge=esw0,vf=vf-vm1,pv=tap-vm1 \
    --destination-filter fdb:netns=hostB,bridge=esw0,vf=vf-vm1,pv=tap-vm1
  # failover=off: the orchestrator plugs the VF on the destination
  failover-migrate --source unix:/run/a/vm1.qmp --destination unix:/run/b/vm1.qmp --uri unix:/run/vm1.mig \
    --primary-device '{"driver":"e1000e","id":"primary0","netdev":"hn1","mac":"52:54:00:00:00:01","bus":"root1"}'
  # stock QEMU, host netpass (0 frames lost toward the guest at switchover), halves started over ssh:
  failover-migrate --source ... --destination ... --uri tcp:10.0.0.2:4444 --netpass host \
    --netpass-source-tap tap-vm1 --netpass-destination-tap tap-vm1 \
    --netpass-destination-cmd 'ssh root@hostB failover-netpass' --netpass-listen 10.0.0.2:0
  # what would happen:
  failover-migrate --source ... --destination ... --uri ... --dry-run

SEE ALSO
  docs/failover-migrate.1.md, failover-netpass(1), failover-vmm --help, failoverd(8), QEMU docs/system/virtio-net-failover.rst
)";
}

}  // namespace nf::orchestrator
