// tc programs of the 2-device model (netvsc's): there is no master netdev; the standby is what
// applications use and the primary is its slave.
//   nf2_tx          standby egress: while TX is steered to the primary, redirect the frame to it
//                   (bpf_redirect, egress); else let it leave through the standby itself.
//   nf2_rx_primary  primary ingress: the frame is received again as the standby's
//                   (bpf_redirect(standby, BPF_F_INGRESS)), so the stack sees one device.
//   nf2_rx_standby  standby ingress: the RX policy for the standby's own frames (the core may turn them
//                   off while the primary carries RX); the primary's, marked on the way, pass.
// The control plane (two_dev_datapath.cpp) owns all state; a switch is one map write.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "two_dev_abi.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct nf2_config);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nf2_config SEC(".maps");

// tx_slot[0]: the slot TX goes to, or NF_TX_NONE.
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nf2_tx_slot SEC(".maps");

// slot_ifindex[slot]: the slave's ifindex, 0 when the slot is empty.
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, NF_SLOTS);
    __type(key, __u32);
    __type(value, __u32);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nf2_slot_ifidx SEC(".maps");

// The primary device itself (a devmap holds a reference; the kernel drops the entry when the device
// unregisters), so an ifindex reused after the primary went while no daemon watched is never a target.
// Pinned by the loader by hand, like failover.bpf.c's nf_slot_dev (BPF_F_RDONLY_PROG defeats by-name reuse).
struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __uint(max_entries, NF_SLOTS);
    __type(key, __u32);
    __type(value, __u32);
} nf2_slot_dev SEC(".maps");

// rx_deliver[slot]: nonzero = frames received on the slot reach the stack (as the standby's).
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, NF_SLOTS);
    __type(key, __u32);
    __type(value, __u32);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nf2_rx_deliver SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct nf_counters);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nf2_counters SEC(".maps");

// Loader bookkeeping, never read here: ifindex -> 1 when the loader created that device's clsact qdisc.
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u32);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nf2_own_qdisc SEC(".maps");

static __always_inline struct nf_counters *counters(void)
{
    __u32 zero = 0;
    return bpf_map_lookup_elem(&nf2_counters, &zero);
}

SEC("tc")
int nf2_tx(struct __sk_buff *skb)
{
    __u32 zero = 0, primary = 0;
    struct nf_counters *c = counters();
    __u32 *slot = bpf_map_lookup_elem(&nf2_tx_slot, &zero);
    if (!c || !slot)
        return TC_ACT_OK;
    if (*slot == NF_TX_NONE) {
        c->tx_dropped++;
        return TC_ACT_SHOT;
    }
    if (*slot == 0) {
        __u32 *ifindex = bpf_map_lookup_elem(&nf2_slot_ifidx, &primary);
        __u32 *dev = bpf_map_lookup_elem(&nf2_slot_dev, &primary);
        // A primary gone before the daemon heard of it: the standby carries the frame (as netvsc does
        // when its VF is not up) rather than losing it.
        if (ifindex && *ifindex && dev && *dev == *ifindex) {
            c->tx_packets[0]++;
            c->tx_bytes[0] += skb->len;
            return bpf_redirect(*ifindex, 0);
        }
    }
    c->tx_packets[1]++;
    c->tx_bytes[1] += skb->len;
    return TC_ACT_OK;
}

SEC("tc")
int nf2_rx_primary(struct __sk_buff *skb)
{
    __u32 zero = 0;
    struct nf_counters *c = counters();
    struct nf2_config *cfg = bpf_map_lookup_elem(&nf2_config, &zero);
    __u32 *ifindex = bpf_map_lookup_elem(&nf2_slot_ifidx, &zero);
    if (!c || !cfg || !ifindex || *ifindex != skb->ifindex)
        return TC_ACT_OK; // not (or no longer) our primary: leave the frame to its stack
    __u32 *deliver = bpf_map_lookup_elem(&nf2_rx_deliver, &zero);
    if (!deliver || !*deliver) {
        c->rx_dropped[0]++;
        return TC_ACT_SHOT;
    }
    c->rx_packets[0]++;
    c->rx_bytes[0] += skb->len;
    skb->mark = NF2_FROM_PRIMARY_MARK;
    return bpf_redirect(cfg->standby_ifindex, BPF_F_INGRESS);
}

SEC("tc")
int nf2_rx_standby(struct __sk_buff *skb)
{
    __u32 one = 1;
    if (skb->mark == NF2_FROM_PRIMARY_MARK) {
        skb->mark = 0;
        return TC_ACT_OK;
    }
    struct nf_counters *c = counters();
    __u32 *deliver = bpf_map_lookup_elem(&nf2_rx_deliver, &one);
    if (!c)
        return TC_ACT_OK;
    if (!deliver || !*deliver) {
        c->rx_dropped[1]++;
        return TC_ACT_SHOT;
    }
    c->rx_packets[1]++;
    c->rx_bytes[1] += skb->len;
    return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
