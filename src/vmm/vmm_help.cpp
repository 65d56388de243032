// The --help text of failover-vmm: written to teach, not generated.
#include "vmm/vmm_options.h"

namespace nf::vmm {

const char* help_text() {
    return R"(failover-vmm — the lab VMM: one process per VM per host, speaking QEMU's QMP.

The "VM" is a network namespace (plus a cgroup). The VMM gives it a paravirtual NIC (the standby: a tap
whose fd the VMM holds, forwarded to a port on the host bridge) and a passthrough "VF" (the primary: a
veth end moved into the VM), with QEMU's failover rules: the primary stays hidden until the guest acks
VIRTIO_NET_F_STANDBY over the device channel, orderly removal waits for the guest's eject.

USAGE
  failover-vmm --name VM --qmp PATH --guest-netns NETNS [options] [--netdev ...] [--device ...]

OPTIONS
  --name VM              the VM's name (1-10 of [A-Za-z0-9_-]); links the VMM creates are named after it:
                         <VM>-pv (PV backend port on the bridge), <VM>-pvh (the VMM's end), <VM>-sbN (taps,
                         before they move into the VM)
  --qmp PATH             QMP unix socket (QEMU-compatible; created at start, removed at exit)
  --channel PATH         guest device channel socket (failoverd connects with --device-channel PATH). Without
                         it no guest can ack STANDBY, so failover primaries stay hidden
  --socket-group GROUP   members of GROUP (a name or gid) may use the QMP and channel sockets too (mode 0660,
                         group-owned). Default: root only. Every connection's peer is checked (SO_PEERCRED);
                         others are closed and counted (x-query-vmm: qmp/device-channel peers-refused)
  --guest-netns NETNS    the VM: a name under /run/netns (`ip netns add`) or a path to a netns file
  --cgroup PATH          the VM's cgroup v2 group, absolute (under the cgroup2 mount) or relative to it;
                         `stop` freezes it, `cont` thaws it
  --vf-filter POLICY     the host NIC's MAC filter for each VF = a static FDB entry for the VF's MAC on its
                         bridge port:
                           stale        added at plug and kept across unplug (QEMU + kernel behaviour: after
                                        an unplug, frames for the VM still go to the VF that is gone)
                           while-bound  present only while the VF is up in the guest (the VF port has
                                        carrier) and not being unplugged: removed as soon as device_del
                                        asks the guest to eject it (the VF still up), with learning off
                                        on the VF port until it is gone, so frames flood to the PV port
                                        and nothing is lost while the guest moves over; learning is off
                                        too from just before a plug until the entry is in, and the PV
                                        path is drained into the guest as it moves the MAC, so frames
                                        sent there before are not overtaken by the VF's; the VF's bridge
                                        port is down from just before a plug until the guest has opened
                                        the VF (at most 2 s), so the bridge forwards on it before the
                                        guest sees carrier (default: stale)
  --reset-policy P       what a guest reset of a failover standby does: rehide (default: the primary is taken
                         away until the guest acks STANDBY again) or qemu (no action, as QEMU)
  --netdev bridge,id=ID,br=BRIDGE
                         a PV backend: a veth <VM>-pv (a port of BRIDGE, in the VMM's netns) whose peer
                         <VM>-pvh the VMM reads and writes with AF_PACKET + virtio-net headers
  --device DRIVER,key=value,...
                         a device present at boot, processed in order exactly like QEMU's -device (a
                         failover standby listed first hides its primary); see DEVICES
  --log-level LEVEL      trace|debug|info|warn|error|off (default info; NF_LOG_LEVEL also works)
  --incoming URI|defer   this VMM is a live migration's destination (QEMU's -incoming): listen on URI
                         (unix:PATH or tcp:ADDR:PORT, numeric address) for the stream, or with `defer` wait
                         for QMP migrate-incoming. The guest stays paused here until the stream is loaded;
                         standbys get their tap from the source (no tap is created), failover primaries stay
                         hidden until the loaded standby says STANDBY was negotiated, the device channel is
                         served once the guest runs here
  -h, --help             this text

DEVICES (QEMU keyval syntax; also the arguments of QMP device_add)
  virtio-net-pci,id=ID,netdev=NETDEV,mac=MAC,failover=on|off,bus=BUS[,addr=SLOT.FN][,ifname=NAME]
      the standby (failover=on offers STANDBY, bit 62). The VMM creates a tap with MAC, moves it into the VM
      as NAME (default: ID) and forwards it to NETDEV.
  vfio-pci,id=ID,host=IF,failover_pair_id=STANDBY,bus=BUS[,mac=MAC][,ifname=NAME][,alias=TEXT]
      the primary: IF is a veth end in the VMM's netns (the "VF"); its peer must be a port of the host
      bridge. Plug moves IF into the VM as NAME (default: ID), unplug moves it back under its own name.
      mac= sets IF's address before plug (the admin's `ip link set PF vf N mac`). alias= (1-255
      printable characters) gives IF that link alias before it enters the VM: the VF's id for a
      trusted VF (failoverd --primary-id alias:TEXT), standing in for QEMU's acpi-index=; it stays on
      IF, so a later device_add without alias= keeps it. A trusted
      guest may change the VF's MAC: the MAC filter follows it, and unplug gives IF its plugged MAC
      back (a VF reset).
  pcie-root-port,id=rootN,slot=N
      (command line only) gives the existing root port rootN the Physical Slot Number N (1-8191, unique;
      QEMU's pcie-root-port slot=; chassis= and bus=pcie.0 are accepted and ignored). A guest with native
      PCIe hotplug names that slot N (/sys/bus/pci/slots/N), so a host gives the VF it plugs there the id
      slot:N (failoverd --primary-id slot:N); QMP qom-get /machine/peripheral/rootN slot reads it back (0:
      none). The lab's guest is a network namespace without PCI sysfs: there the VF's id is its alias=.
  Other models the device model knows (e1000e, virtio-blk-pci) are accepted without a backend.
  Buses: pcie.0 (root complex, no hotplug), root0..root3 (hotpluggable root ports), pci.1 (conventional).
  `ifname`, `alias` and `host` are ours (QEMU has no such properties); everything else is QEMU's.

QMP
  qmp_capabilities, query-version, query-status, query-pci, qom-get, stop, cont, device_add, device_del,
  set_link, quit; events FAILOVER_NEGOTIATED, UNPLUG_PRIMARY, DEVICE_DELETED, STOP, RESUME, SHUTDOWN.
  Migration (QEMU's names): migrate {"uri": "unix:PATH"}, migrate-incoming {"uri"}, query-migrate,
  migrate_cancel, migrate-set-capabilities / query-migrate-capabilities (events, return-path, netpass),
  migrate-set-parameters / query-migrate-parameters (our bounds: x-wait-unplug-timeout, x-wait-unplug-policy,
  x-cancel-unplug-timeout, x-vm-started-timeout, x-incoming-stall-timeout, x-active-time,
  x-netpass-max-frames, x-netpass-max-bytes), announce-self; events MIGRATION, MIGRATION_PASS. query-migrate
  carries our figures under "x-netfailover" (outcome, wait-unplug, downtime end, netpass counters). The
  guest's tap moves to the destination over the unix: socket (SCM_RIGHTS); tcp: is refused while a standby
  has a tap.
  Extensions (x- prefix, not in QEMU):
    x-surprise-remove {"id": ID}   the device vanishes under the guest at once (no eject handshake), as a
                                   VF reset or a host deleting the VF; also triggered when a primary's
                                   veth is deleted on the host
    x-query-vmm                    backends, forwarding counters, MAC filter state, pause state

SIGNALS
  SIGTERM/SIGINT: every device is unplugged (VFs moved back under their host names), taps and backend
  veths deleted, FDB entries removed, the cgroup thawed, sockets removed; exit status 0.

EXAMPLES
  # the lab's vm1 (docs/lab-contract.md), run inside the host's netns:
  failover-vmm --name vm1 --qmp /run/netfailover/nfl/vm1.qmp --channel /run/netfailover/nfl/vm1.chan \
    --guest-netns nfl-vm1 --cgroup /sys/fs/cgroup/unified/netfailover/nfl/vm1 --vf-filter while-bound \
    --netdev bridge,id=hn0,br=esw0 \
    --device virtio-net-pci,id=standby0,netdev=hn0,mac=52:54:00:00:00:01,failover=on,bus=root0,ifname=eth0 \
    --device vfio-pci,id=primary0,host=vf-vm1g,failover_pair_id=standby0,bus=root1,ifname=ens4

  # live migration: the destination (on host B, its own VF), then `migrate` on the source:
  failover-vmm --name vm1 --qmp /run/netfailover/nfl/vm1@hostB.qmp --channel /run/netfailover/nfl/vm1.chan \
    --guest-netns nfl-vm1 --cgroup /sys/fs/cgroup/unified/netfailover/nfl/vm1 --netdev bridge,id=hn0,br=esw0 \
    --incoming unix:/run/netfailover/nfl/vm1.mig --device virtio-net-pci,... --device vfio-pci,...
  {"execute":"migrate-set-capabilities","arguments":{"capabilities":[{"capability":"return-path","state":true},
   {"capability":"netpass","state":true}]}}        (on both sides)
  {"execute":"migrate","arguments":{"uri":"unix:/run/netfailover/nfl/vm1.mig"}}

  # hot-add the primary later over QMP:
  {"execute":"device_add","arguments":{"driver":"vfio-pci","id":"primary0","host":"vf-vm1g",
   "failover_pair_id":"standby0","bus":"root1","ifname":"ens4"}}
  # orderly removal (completes when the guest acks the eject), and a surprise removal:
  {"execute":"device_del","arguments":{"id":"primary0"}}
  {"execute":"x-surprise-remove","arguments":{"id":"primary0"}}
)";
}

}  // namespace nf::vmm
