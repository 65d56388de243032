// failoverd --help: complete enough to stand in for the man page (docs/failoverd.8.md says the same).
#include "failoverd_control/command_line.h"

namespace nf::daemon {

std::string_view failoverd_help() {
    return R"(NAME
    failoverd - userspace network failover for virtual machines (a userspace net_failover)

SYNOPSIS
    failoverd --standby IFNAME [OPTIONS]
    failoverd --match-driver DRIVER | --match-name GLOB | --match-virtio-standby [OPTIONS]
    failoverd --all-matches --match-... [--control DIR] [OPTIONS]
    failoverd --config FILE [OPTIONS]

DESCRIPTION
    A VM gets two NICs with the same MAC: a fast passthrough VF (the primary) and a paravirtual
    virtio-net NIC (the standby). failoverd finds the standby, pairs the primary with it, creates a
    failover master that applications and IP configuration use, sends traffic through the primary
    whenever it carries traffic and through the standby otherwise, follows hotplug and link events at
    once (netlink, no polling), announces every switch, and answers failoverctl(8) on a unix socket.

OPTIONS
    -s, --standby IFNAME
        The standby netdev by name (at most 15 characters). Give this or a --match-* rule.
    --match-driver DRIVER
        Standby rule: the netdev's driver is DRIVER (e.g. virtio_net).
    --match-name GLOB
        Standby rule: the netdev's name matches the shell pattern GLOB (fnmatch(3), e.g. 'ens*').
    --match-virtio-standby
        Standby rule: the device offers virtio feature bit 62, VIRTIO_NET_F_STANDBY.
    --all-matches
        Every standby the --match-* rules select gets its own pair, like the kernel's net_failover
        (see ALL PAIRS): now and as NICs come and go. Without it the rules must select exactly one.
    -m, --master NAME
        Name of the failover master (at most 15 characters); the standby keeps its name. Default:
        the standby's name (of the netdev found, by rule), and the standby is renamed <name>nsby
        (ens4 -> master ens4, standby ens4nsby) until failoverd stops; a standby name longer than
        11 characters cannot take the suffix: give --master then. Model 2dev: the standby's name
        or nothing (the standby is the master).
    --model 3dev|hidden|2dev
        Device model (default 3dev):
          3dev    kernel-compatible: master, primary and standby all visible in the guest; the
                  slaves carry the master's MAC and are marked as its slaves.
          hidden  the slaves are moved into a private network namespace; the guest sees only the
                  master, so DHCP clients, cloud-init and NetworkManager never meet duplicate MACs.
          2dev    netvsc's: no new netdev; the standby keeps its name and configuration and is
                  what applications use, the primary is its slave (a port of the down bridge
                  <standby>fo). tc/eBPF steer TX to the primary while it is ready and deliver
                  its RX as the standby's. Needs the bpf datapath (packet: refused, exit 2).
    --datapath auto|bpf|packet
        How frames move (default auto):
          bpf     the master is a veth; tc/eBPF programs redirect TX to the active slave and RX to
                  the master; a switch is one BPF map update. Needs CAP_BPF and CAP_NET_ADMIN.
          packet  the master is a TAP; slaves are read and written with AF_PACKET, virtio-net
                  headers keep GSO frames whole. Works where BPF is not allowed.
          auto    bpf when the kernel lets us load the programs, else packet.
    --rx-mode make-before-break|kernel
        Which slave's received frames reach the master (default make-before-break):
          make-before-break  keep delivering from the standby until the primary really carries
                             traffic (up with carrier), so a re-plugged VF costs no inbound frames.
          kernel             net_failover's rule: once a primary is registered, frames that arrive
                             on the standby are dropped.
    --rx-grace MS
        make-before-break only: once the primary has taken over, the standby keeps delivering RX
        for MS more milliseconds, so frames still in flight on its path (the hypervisor's
        forwarder, a host bridge that has not yet learnt the primary's port) are not lost.
        0..10000, default 100; 0 disables. A change in between (the primary gone again) wins.
    --announce COUNT
        On every switch of the active slave, send COUNT rounds of gratuitous ARP (one per IPv4
        address of the master) and unsolicited neighbour advertisements (one per IPv6 address, to
        ff02::1, override flag set) from the master's MAC on the new active slave, so switches
        learn the new port at once. 0..255, default 1; 0 disables.
    --announce-interval MS
        Milliseconds between announce rounds, 0..60000, default 50.
    --pair-by mac|id
        How a primary is paired with the standby (default mac): mac = the same permanent MAC as the
        standby (the kernel's rule); id = the id the host gives the VF (--primary-id), for "trusted
        VFs" whose MAC the host does not set.
    --primary-id SOURCE:VALUE
        The id a primary must carry; implies --pair-by id. SOURCE is where the guest reads it:
          slot:NAME        the PCI hotplug slot the device sits in (/sys/bus/pci/slots/NAME/address
                           is its bus:device): the pcie-root-port's slot= number with native PCIe
                           hotplug, "0", "0-2", ... with ACPI hotplug
          acpi-index:N     the device's ACPI index (sysfs acpi_index; QEMU's acpi-index=N), 1..2^32-1
          label:TEXT       the device's firmware label (sysfs label)
          alias:TEXT       the link's alias (IFLA_IFALIAS; the lab VMM's alias= on a VF veth)
        A primary paired by id takes the standby's MAC (set while it is down) and gets its own back
        when it leaves or failoverd stops (also after a crash: the state file keeps it). A device
        that refuses the MAC is logged and not used as the primary. A bad form is an error (exit 2).
    --standby-config takeover|refuse
        What to do with addresses and routes already on the standby at start (DHCP or the
        distribution's network configuration got there first; the standby's MTU always becomes the
        master's) (default takeover):
          takeover  move them to the master (IPv6 link-local and learnt addresses excepted: the
                    kernel remakes those); at stop they go back to the standby.
          refuse    do not start: exit 2, naming what is configured, nothing changed.
    -c, --control PATH
        The control socket (mode 0600). Default: /run/netfailover/<master>.sock. failoverd refuses
        to start when another daemon answers on PATH and replaces a stale socket file. Two guests on
        one host (namespaces sharing /run) with masters of one name must each give their own PATH.
        With --all-matches, PATH is the directory of the pairs' sockets (default /run/netfailover):
        <PATH>/<master>.sock each.
    --control-group GROUP
        Members of GROUP (a name or gid) may use the control socket too: it is then mode 0660 and
        owned by GROUP. Every connection's peer is checked (SO_PEERCRED): root, failoverd's own user
        and, with this option, GROUP's members; anyone else is disconnected and counted
        (control.peers_refused in `failoverctl status --json`). Default: root only.
    --device-channel PATH
        The lab VMM's guest device channel (failover-vmm --channel PATH): failoverd plays the guest's
        virtio and PCI hotplug drivers on it. It acks the features the standby offers, STANDBY (bit
        62) included, and answers an eject request for the primary make-before-break: TX and the
        standby's RX on the standby, an announce, the primary closed (its driver unbinds), then the
        ack. Connects when the socket appears (retried every 100 ms) and again after the VMM restarts.
    --no-standby-ack
        On the device channel, do not ack STANDBY: play a guest without failover support (the VMM
        then never plugs the primary).
    --config FILE
        Read settings from a JSON file (see CONFIG FILE). Flags win over the file.
    --log-level LEVEL
        trace, debug, info, warn, error, critical or off (default info; NF_LOG_LEVEL in the
        environment is used when the flag is absent). Logs go to stderr.
    -f, --foreground
        Accepted for init scripts that pass it: failoverd never detaches, with or without it (run it
        under systemd, as the shipped unit does, or another supervisor).
    -V, --version
        Print the version and exit.
    -h, --help
        Print this text and exit.

STANDBY RULES
    The standby is one netdev chosen by its name or by rules read from sysfs. All rules given must
    hold; a name and rules cannot be combined.
      name                    the interface name equals IFNAME             (--standby)
      driver                  basename of /sys/class/net/X/device/driver    (--match-driver)
      name_glob               fnmatch(3) of the interface name              (--match-name)
      virtio_standby_feature  character 62 of /sys/class/net/X/device/features is '1'
                              (the virtio STANDBY feature the hypervisor offers) (--match-virtio-standby)
    Netdevs without a device (veth, tap, our own master) have no driver and no features, so only
    the name rules can select them.

ALL PAIRS
    failoverd --all-matches --match-... manages every standby the rules select, all in this one
    process: one event loop and ONE rtnetlink link monitor of the guest (no polling), each link
    event decoded once and handed to the pairs it concerns (by MAC and ifindex). Each standby that is
    there at start or appears later gets its own pair (its own failover core, datapath, state file
    and control socket <control dir>/<name>.sock), whose master takes the standby's name (the standby
    becomes <name>nsby). A standby that goes (unplugged) is released: its pair restores the system.
    A pair that fails (its handler throws, its master is deleted under it, its start fails) is torn
    down, restoring what it did, and started again 1 s later, then up to 30 s apart while it keeps
    failing; the others go on. One that refused its settings (nothing changed, e.g. a standby name
    too long for <name>nsby) waits until its standby comes again. SIGTERM/SIGINT stop every pair
    (each restores its standby) and exit 0 when all stopped cleanly; SIGHUP resyncs every pair.
    Not with --standby, --master, --model hidden, --pair-by id or --device-channel (each names one
    pair). `failoverctl status` lists every pair; `failoverctl --master NAME` talks to one.

CONFIG FILE
    A JSON object; field names are the long flags with '_' for '-'. Unknown fields are errors.
      {
        "standby": "ens4",                   or  "standby_match": {"driver": "virtio_net",
                                                     "name_glob": "ens*", "virtio_standby_feature": true},
        "master": "eth0",                    default: the standby's name (standby -> <name>nsby)
        "model": "3dev",                     "3dev" | "hidden" | "2dev"
        "datapath": "auto",                  "auto" | "bpf" | "packet"
        "rx_mode": "make-before-break",      "make-before-break" | "kernel"
        "rx_grace_ms": 100,                  0..10000; 0 = no grace
        "announce": {"count": 1, "interval_ms": 50},     or  "announce": 1
        "pairing": {"by": "mac"},            or  {"by": "id", "primary_id": "alias:vf0"}
        "standby_config": "takeover",        "takeover" | "refuse"
        "control": "/run/netfailover/eth0.sock",
        "control_group": "netfailover",      optional: --control-group
        "device_channel": "/run/netfailover/nfl/vm1.chan",   lab VMM only
        "standby_ack": true,                 false = --no-standby-ack
        "log_level": "info",
        "foreground": true
      }
    A flag replaces the file's field; any standby flag (--standby or --match-*) replaces the file's
    whole standby selection. Examples: configs/*.json in the source tree.

CONTROL
    The control socket speaks line-delimited JSON: {"cmd":"status"}, {"cmd":"events"} (then one
    event object per line until the client goes), {"cmd":"set","key":"active","value":
    "primary"|"standby"|"auto"}. Replies are {"ok":true,...} or {"ok":false,"error":"..."}.
    Use failoverctl(8): failoverctl status [--json], failoverctl events, failoverctl set active auto.

SIGNALS
    SIGTERM, SIGINT  stop: detach the datapath, remove the master, restore the slaves (the standby
                     gets its name back), exit 0. Every slave gets back what it had before
                     failoverd first touched it: up/down, MTU, IPv6 settings, addresses, routes.
    SIGHUP           resync: dump the links again and bring the failover state up to date; the
                     config is not re-read (systemctl reload sends it).
    An error while handling one event is logged, counted (status: event_loop.handler_errors) and
    followed by a resync; the daemon goes on.
    Started in a private mount namespace (ip netns exec, unshare -m), failoverd joins PID 1's (or the
    one NF_HOST_MOUNT_NS=PATH names) so that the private namespace and the BPF pins outlive it and a
    successor adopts them after SIGKILL; where it cannot, it warns at start-up.

EXIT STATUS
    0  stopped by a signal, or --help / --version
    1  runtime failure (a system call, the datapath, the control socket already in use), also a
       problem found only once start-up had begun changing the system; what it did is undone
    2  bad flags or config file, or a check made before any change; the message names the flag
       or field; nothing was changed

FILES
    /run/netfailover/<master>.sock       control socket (by default; not keyed by the guest: two
                                         guests on one host with masters of one name need --control)
    /run/netfailover/<inode>-<master>.state
                                         what the daemon set up; written before start-up changes
                                         anything, removed on SIGTERM; a restart adopts (bpf) or
                                         removes what a killed daemon left
    /sys/fs/bpf/netfailover/<inode>-<master>/
                                         pinned BPF maps (bpf datapath)
    /run/netns/nfo-<inode>-<master>      private namespace: nfo-peer (bpf), the slaves (hidden)
    <inode>                              the guest network namespace's inode (stat -L -c %i
                                         /proc/self/ns/net): stable across a restart in that
                                         namespace; two guests on one host never share these names
    <master>fo, <standby>nsby            3dev holder bridge; the standby while the master has its name
    A daemon that never comes back: start it again (it cleans up), or remove by hand the master,
    <master>fo, nfo-<inode>-<master> (hidden: move its slaves back first), rename <standby>nsby
    back, and delete the state file and /sys/fs/bpf/netfailover/<inode>-<master>.
    /etc/netfailover/*.json              config files (by convention)
    /sys/class/net/*/device/driver       read by the driver rule
    /sys/class/net/*/device/features     read by the virtio STANDBY rule
    failoverd@.service                   systemd unit, instance = standby name

EXAMPLES
    failoverd --standby ens4 --foreground
    failoverd --match-virtio-standby --master eth0 --model hidden --datapath packet
    failoverd --all-matches --match-virtio-standby
    failoverd --config /etc/netfailover/ens4.json --announce 3
    systemctl enable --now failoverd@ens4

SEE ALSO
    failoverctl(8), teamd(8), Documentation/networking/net_failover.rst
)";
}

}  // namespace nf::daemon
