#pragma once
// The guest failover core, no OS calls (spec: linux-failover.md). Table of contents:
//   role.h            the two slave roles (primary, standby), which the datapath's slots are
//   netdev.h          the abstract netdev (§1) and xmit_ready (T1)
//   stats64.h         link counters and the fold (S2)
//   features.h        offload bits and the derived-feature merge (F1)
//   slave_ops.h       what the core asks of a slave; the OS edge / simulator implements it
//   events.h          netdev events in (L1), failover events out (joined, left, active, carrier, ...)
//   pairing.h         MAC / id matching and the pluggable standby/primary policies (P2-P5)
//   config.h          kernel-compat vs improved behaviours (RX, carrier, stats, lower state)
//   tx.h              per-packet TX choice and queue mapping (T2-T4)
//   master.h          one failover master: register/unregister with rollback, TX/RX, carrier, stats, M1-M10
//   registry.h        the global master list, event dispatch, the creation scan (O1, P1-P9)
//   datapath_ops.h    what a program asks of a datapath; src/datapath implements it
//   program.h         the datapath program computed from a master, and its applier
//   rx_grace.h        make-before-break in time: the standby's RX held for the grace (time is an input)
//   output.h          the master's output, computed once: program (with the grace), TX switch, wake time
//   virtio_standby.h  VIRTIO_NET_F_STANDBY validation and naming (V1, V4, V5)
//   sim/              fake netdevs and network stack for tests
#include "failover/config.h"
#include "failover/datapath_ops.h"
#include "failover/events.h"
#include "failover/master.h"
#include "failover/netdev.h"
#include "failover/output.h"
#include "failover/pairing.h"
#include "failover/program.h"
#include "failover/registry.h"
#include "failover/role.h"
#include "failover/rx_grace.h"
#include "failover/slave_ops.h"
#include "failover/stats64.h"
#include "failover/tx.h"
#include "failover/virtio_standby.h"
