/* The contract between the 2-device model's tc programs (two_dev.bpf.c) and their loader
 * (two_dev_datapath.cpp). Plain C so both clang -target bpf and g++ read it. Slots are those of
 * failover_abi.h (0 = primary, 1 = standby); every map is pinned by name under the datapath's pin
 * directory, so a restarted daemon adopts what a killed one left. */
#ifndef NF_DATAPATH_BPF_TWO_DEV_ABI_H
#define NF_DATAPATH_BPF_TWO_DEV_ABI_H

#include <linux/types.h>

#include "failover_abi.h"

/* skb->mark a frame of the primary carries from the primary's ingress to the standby's, where it is
 * cleared again: "already counted, deliver". A received frame has mark 0 (nothing set it yet). */
#define NF2_FROM_PRIMARY_MARK 0x6e663264u /* "nf2d" */

/* config[0]: written once when the datapath is created. */
struct nf2_config {
    __u32 standby_ifindex; /* the device applications use: TX leaves it, the primary's RX enters it */
    __u32 version;         /* NF2_CONFIG_VERSION: an adopting loader refuses other layouts */
};
#define NF2_CONFIG_VERSION 1u

#endif
