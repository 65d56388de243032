#include "lab_help.h"

namespace nf::lab::cli {

const char* const kLabDescription = R"(failover-lab: a small data centre made of network namespaces, for netfailover.

The topology (default lab, prefix nfl; every namespace is <prefix>-<name>):

  nfl-client  eth0 10.77.0.100/24 ──veth── c-client ┐
                                                    tor0   bridge in nfl-tor (the top-of-rack switch)
  nfl-hostA   esw0 ── up0 ──────────veth── h-hostA ─┤      esw0: bridge standing in for the NIC's
               └── vf-vm1 ──veth── vf-vm1g          │            embedded switch
  nfl-hostB   esw0 ── up0 ──────────veth── h-hostB ─┘
               └── vf-vm1 ──veth── vf-vm1g          (vm1's VF on hostB: for a migration there)
  nfl-vm1     the VM (guest), cgroup <cgroup2>/netfailover/nfl/vm1

  vf-vm1g is vm1's VF: MAC 52:54:00:00:00:01, left down in each host; the VMM moves its host's one into
  nfl-vm1 (as ens4) on plug. vm1's VMM runs in nfl-hostA (cgroup netfailover/nfl/vmm.vm1) with QMP on
  /run/netfailover/nfl/vm1.qmp; QMP ids: standby0 (virtio-net, eth0), primary0 (vfio-pci, ens4).
  `migrate vm1 --to hostB` starts a VMM for vm1 in nfl-hostB (QMP vm1.hostB.qmp, `--incoming
  unix:/run/netfailover/nfl/vm1.mig`), runs failover-migrate's steps over QMP, then stops the old VMM.
  failoverd runs in nfl-vm1; the lab puts 10.77.0.10/24 on its master eth0.
  Command lines: docs/lab-contract.md. IPv6 DAD, router solicitations and SLAAC are off in every lab
  namespace; bridges and their ports have no IPv6 link-local.)";

const char* const kLabFooter = R"(
Files:
  /run/netfailover/<prefix>/state.json   the config and every started process (pid, start time, argv)
  /run/netfailover/<prefix>/logs/*.log   stdout+stderr of each process (vmm-<vm>, guest-<vm>)
  /run/netfailover/<prefix>/<vm>.qmp     the VMM's QMP socket (<vm>.<host>.qmp while the VM runs on another
                                         host than its own); <vm>.chan the guest device channel;
                                         <vm>-failoverd.sock failoverd's control socket; <vm>.mig the
                                         migration stream's socket
  /run/netns/<prefix>-*                  the namespaces (`ip netns exec nfl-client ping 10.77.0.10`)
  configs/lab-default.json               the default lab written out: copy it and edit

Config (JSON, strict: an unknown field is an error): prefix, subnet, hosts[{name}], clients[{name, ip}],
vms[{name, host, mac, ip, standby{id, bus, ifname}, primary{id, driver, bus, ifname}}],
vf_filter "moved"|"stale" (default moved: the host NIC's MAC filter follows the VF; stale: it stays on the
unplugged VF, as QEMU leaves it, configs/lab-stale.json), guest{start, args[]}, vmm{start}. Left-out fields
keep the default.

Examples:
  failover-lab up                        build the default lab and start vm1's VMM and failoverd
  failover-lab up --config my-lab.json   build another lab (another prefix can run beside it)
  failover-lab status --json             hosts, VMs (current host, QMP socket), IPs, MACs, standby_id/primary_id
  failover-lab migrate vm1 --to hostB    live-migrate vm1 (netpass on); --no-netpass, --json
  failover-lab migrate vm1 --to hostA    and back: any number of times
  failover-lab down                      remove everything of lab nfl, also after a crash

Exit status: 0 done, 1 a system failure (message says what) or a migration that failed and was undone,
2 a bad config, flag or argument (unknown VM or host, VM already there, lab not up: nothing changed).)";

}  // namespace nf::lab::cli
