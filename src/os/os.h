#pragma once
// The OS edge, table of contents. Every syscall and netlink message of netfailover goes through here
// (except the TAP device and AF_PACKET sockets, which live in datapath/packet).
#include "os/cgroup.h"        // Cgroup2: create, add_pid, freeze/thaw, kill, remove
#include "os/ip_prefix.h"     // IpPrefix: "10.0.0.2/24", "fd00::2/64"
#include "os/ipv6_family.h"   // ipv6_available, ipv6_step: IPv6 steps optional (ipv6.disable=1)
#include "os/link_info.h"     // LinkInfo: what rtnetlink says about a link
#include "os/link_monitor.h"  // LinkMonitor: link events of one namespace for an epoll loop
#include "os/address_monitor.h"  // AddressMonitor: which links' IP addresses changed, for an epoll loop
#include "os/mounts.h"        // read_mounts, find_mount, ensure_bpffs
#include "os/netns.h"         // Netns, NetnsScope
#include "os/rtnl.h"          // Rtnl: links, addresses, bridge FDB
#include "os/sysctl.h"        // read_sysctl / write_sysctl, per namespace
#include "os/uevent_monitor.h"  // UeventMonitor: the kernel's uevents (device removals) for an epoll loop
