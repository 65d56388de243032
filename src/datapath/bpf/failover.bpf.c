// tc programs of the bpf datapath. The control plane (bpf_datapath.cpp) owns all state; these
// programs only read maps, so a switch is one map write and the very next frame follows it.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "failover_abi.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct nf_config);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nf_config SEC(".maps");

// tx_slot[0]: the slot TX goes to, or NF_TX_NONE.
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nf_tx_slot SEC(".maps");

// slot_ifindex[slot]: the slave's ifindex, 0 when the slot is empty.
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, NF_SLOTS);
    __type(key, __u32);
    __type(value, __u32);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nf_slot_ifidx SEC(".maps");

// slot_dev[slot]: the slave device itself (a devmap holds a reference to it). The kernel deletes an entry
// when its device unregisters (also when it leaves the namespace), so an ifindex reused by a new device
// after the slave went (while no daemon was there to update the maps, e.g. after a SIGKILL) is never
// found here: nf_tx redirects only to the device the control plane attached.
struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __uint(max_entries, NF_SLOTS);
    __type(key, __u32);
    __type(value, __u32);
    // Pinned (as nf_slot_dev) and reused by the loader itself: the kernel adds BPF_F_RDONLY_PROG to every
    // devmap but refuses it at creation, so libbpf's by-name reuse would never find the flags equal.
} nf_slot_dev SEC(".maps");

// rx_deliver[slot]: nonzero = frames received on the slot reach the master.
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, NF_SLOTS);
    __type(key, __u32);
    __type(value, __u32);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nf_rx_deliver SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct nf_counters);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nf_counters SEC(".maps");

// Loader bookkeeping, never read here: ifindex -> 1 when the loader created that device's clsact qdisc
// (so teardown removes only what it made, even after an adopt).
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u32);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} nf_own_qdisc SEC(".maps");

static __always_inline struct nf_counters *counters(void)
{
    __u32 zero = 0;
    return bpf_map_lookup_elem(&nf_counters, &zero);
}

// On the master's egress (3dev) or the master's veth peer ingress (hidden): to the active slave.
SEC("tc")
int nf_tx(struct __sk_buff *skb)
{
    __u32 zero = 0;
    struct nf_counters *c = counters();
    __u32 *slot = bpf_map_lookup_elem(&nf_tx_slot, &zero);
    if (!c || !slot)
        return TC_ACT_SHOT;
    __u32 s = *slot, key = s;
    __u32 *ifindex = s < NF_SLOTS ? bpf_map_lookup_elem(&nf_slot_ifidx, &key) : 0;
    if (!ifindex || !*ifindex || s >= NF_SLOTS) {
        c->tx_dropped++;
        return TC_ACT_SHOT;
    }
    // Still the device that was attached? (Gone from the devmap with its device.)
    __u32 *dev = bpf_map_lookup_elem(&nf_slot_dev, &key);
    if (!dev || *dev != *ifindex) {
        c->tx_dropped++;
        return TC_ACT_SHOT;
    }
    c->tx_packets[s]++;
    c->tx_bytes[s] += skb->len;
    return bpf_redirect(*ifindex, 0);
}

// On each slave's ingress: to the master, or dropped by RX policy.
SEC("tc")
int nf_rx(struct __sk_buff *skb)
{
    __u32 zero = 0;
    struct nf_counters *c = counters();
    struct nf_config *cfg = bpf_map_lookup_elem(&nf_config, &zero);
    if (!c || !cfg)
        return TC_ACT_OK;
    // Which slot is this? Two entries: a lookup each is cheaper than a hash map.
    __u32 key0 = 0, key1 = 1, s;
    __u32 *if0 = bpf_map_lookup_elem(&nf_slot_ifidx, &key0);
    __u32 *if1 = bpf_map_lookup_elem(&nf_slot_ifidx, &key1);
    if (if0 && *if0 == skb->ifindex)
        s = 0;
    else if (if1 && *if1 == skb->ifindex)
        s = 1;
    else
        return TC_ACT_OK; // not (or no longer) a slave of ours: leave the frame to the stack
    // s stays in a register (the keys above are what the helper sees), so its bound survives.
    __u32 *deliver = bpf_map_lookup_elem(&nf_rx_deliver, s ? &key1 : &key0);
    if (!deliver || !*deliver) {
        c->rx_dropped[s]++;
        return TC_ACT_SHOT;
    }
    c->rx_packets[s]++;
    c->rx_bytes[s] += skb->len;
    if (cfg->model == NF_MODEL_HIDDEN)
        return bpf_redirect_peer(cfg->rx_target, 0);
    return bpf_redirect(cfg->rx_target, BPF_F_INGRESS);
}

char LICENSE[] SEC("license") = "GPL";
