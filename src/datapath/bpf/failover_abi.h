/* The contract between the tc programs (failover.bpf.c) and their loader (bpf_datapath.cpp).
 * Plain C so both clang -target bpf and g++ read it. Every map is pinned by name under the datapath's
 * pin directory, so a restarted daemon adopts the state a killed one left behind. */
#ifndef NF_DATAPATH_BPF_FAILOVER_ABI_H
#define NF_DATAPATH_BPF_FAILOVER_ABI_H

#include <linux/types.h>

#define NF_SLOTS 2          /* 0 = primary, 1 = standby (nf::datapath::Slot) */
#define NF_TX_NONE 0xffffffffu /* tx_slot value: drop and count */

enum nf_model {
    NF_MODEL_3DEV = 0,   /* master and slaves share a netns: RX = bpf_redirect(master, BPF_F_INGRESS) */
    NF_MODEL_HIDDEN = 1, /* slaves next to the master's veth peer: RX = bpf_redirect_peer(peer) */
};

/* config[0]: written once when the datapath is created. */
struct nf_config {
    __u32 model;
    __u32 rx_target;     /* 3dev: master ifindex; hidden: the master's veth peer ifindex */
};

/* counters[0], one copy per CPU; the loader sums them. */
struct nf_counters {
    __u64 tx_packets[NF_SLOTS];
    __u64 tx_bytes[NF_SLOTS];
    __u64 rx_packets[NF_SLOTS];
    __u64 rx_bytes[NF_SLOTS];
    __u64 rx_dropped[NF_SLOTS];
    __u64 tx_dropped;
};

#endif
