#pragma once
// failoverd's core, table of contents. The failover rules live in src/failover; this part is their
// Linux edge and the daemon around them.
//   netdev_description.h  LinkInfo -> failover::Netdev (perm MAC, falling back to the current MAC)
//   link_table.h          the links of one namespace; rtnetlink events -> NetdevEvents (L1)
//   rtnl_slave_ops.h      failover::SlaveOps over rtnetlink + sysctl
//   master_device.h       what start-up creates (private netns, master veth, holder bridge), undone in order
//   state_file.h          /run/netfailover/<inode>-<master>.state, so a restarted daemon adopts its master
//   switch_timing.h       event receipt -> datapath update latency, p50/p99
//   (failoverd_control/event_json.h: failover events as JSON lines for `failoverctl events`)
//   announce_sender.h     AF_PACKET send of GARP/NA frames out of the active slave
//   previous_daemon.h     a predecessor's state files; what it left cleaned up (else adopted by the daemon)
//   standby_takeover.h    the standby's addresses and routes at start (--standby-config)
//   process_signals.h     SIGTERM/SIGINT/SIGHUP through a signalfd, SIGPIPE ignored, restored at the end
//   daemon.h              the daemon: start (adopt or create), the epoll loop, stop (restore)
//   guest_links.h         a pair's guest links when one monitor serves every pair (--all-matches)
//   link_router.h         which pairs a guest link event concerns (by MAC, by known ifindex)
//   pair_supervisor.h     --all-matches: every pair in one process, one link monitor, containment
#include "failoverd/announce_sender.h"
#include "failoverd/daemon.h"
#include "failoverd_control/event_json.h"
#include "failoverd/link_table.h"
#include "failoverd/master_device.h"
#include "failoverd/netdev_description.h"
#include "failoverd/rtnl_slave_ops.h"
#include "failoverd/state_file.h"
#include "failoverd/switch_timing.h"
