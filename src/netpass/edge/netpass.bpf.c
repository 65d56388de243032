// Host netpass: a tc egress program on a VM's PV backend tap (frames the bridge sends toward the guest).
// Armed, it puts those frames into a ring buffer the helper reads instead of letting them reach the VMM;
// the helper (failover-netpass) owns every decision, this program only follows np_config.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#include "netpass/netpass_abi.h"

// Sized by the loader (bpf_map__set_max_entries): the byte bound, rounded up to a power of two pages.
struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 22);
} np_frames SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct np_config);
} np_config SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct np_counters);
} np_counters SEC(".maps");

// A frame is copied here before bpf_ringbuf_output (the ring needs a contiguous source).
struct np_scratch {
    struct np_record hdr;
    __u8 data[NP_MAX_FRAME];
};
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct np_scratch);
} np_scratch SEC(".maps");

SEC("tc")
int np_egress(struct __sk_buff *skb)
{
    __u32 zero = 0;
    struct np_config *cfg = bpf_map_lookup_elem(&np_config, &zero);
    struct np_counters *cnt = bpf_map_lookup_elem(&np_counters, &zero);
    if (!cfg || !cnt)
        return TC_ACT_OK;
    if (skb->mark == NP_INJECT_MARK) {
        __sync_fetch_and_add(&cnt->injected_seen, 1);
        return TC_ACT_OK;
    }
    __u32 mode = cfg->mode;
    if (mode == NP_PASS)
        return TC_ACT_OK;
    if (mode == NP_MIRROR) {
        __u32 mlen = skb->len;
        struct np_scratch *m = bpf_map_lookup_elem(&np_scratch, &zero);
        if (!m || mlen == 0 || mlen > NP_MAX_FRAME || bpf_skb_load_bytes(skb, 0, m->data, mlen) < 0) {
            __sync_fetch_and_add(&cnt->mirror_missed, 1);
            return TC_ACT_OK;
        }
        m->hdr.kind = NP_MIRROR;
        m->hdr.len = mlen;
        if (bpf_ringbuf_output(&np_frames, m, sizeof(m->hdr) + mlen, 0) < 0)
            __sync_fetch_and_add(&cnt->mirror_missed, 1);
        else
            __sync_fetch_and_add(&cnt->mirrored, 1);
        return TC_ACT_OK;
    }
    // A broadcast or multicast frame (the I/G bit of its destination): the bridge floods it to every port,
    // so the destination's tap has its own copy, and the source's tap keeps getting them (ARP, RARP, ND)
    // after the bridge learnt the VM's new port. Kept or held, it would arrive twice and keep the source
    // "forwarding" forever: it takes the normal path.
    __u8 dst0 = 0;
    if (bpf_skb_load_bytes(skb, 0, &dst0, 1) == 0 && (dst0 & 1)) {
        __sync_fetch_and_add(&cnt->flooded, 1);
        return TC_ACT_OK;
    }
    // Draining: once the ring is empty every later frame passes, after every frame that was held.
    if (mode == NP_DRAIN && bpf_ringbuf_query(&np_frames, BPF_RB_AVAIL_DATA) == 0)
        goto pass;
    if (cfg->deadline_ns && bpf_ktime_get_ns() > cfg->deadline_ns)
        goto over;
    __u32 len = skb->len;
    if (len > NP_MAX_FRAME || len == 0) {
        __sync_fetch_and_add(&cnt->oversize, 1);
        goto pass;
    }
    if (cnt->ringed >= cfg->max_frames || cnt->ringed_bytes + len > cfg->max_bytes)
        goto over;
    struct np_scratch *s = bpf_map_lookup_elem(&np_scratch, &zero);
    if (!s)
        goto over;
    if (len > NP_MAX_FRAME)  // again, for the verifier: it does not keep the bound across the counters' reads
        goto over;
    if (bpf_skb_load_bytes(skb, 0, s->data, len) < 0)
        goto over;
    s->hdr.kind = NP_KEEP;
    s->hdr.len = len;
    if (bpf_ringbuf_output(&np_frames, s, sizeof(s->hdr) + len, 0) < 0)
        goto over;
    __sync_fetch_and_add(&cnt->ringed, 1);
    __sync_fetch_and_add(&cnt->ringed_bytes, len);
    return TC_ACT_SHOT;  // the frame lives on in the ring; the VMM never sees this copy
over:
    // Past a bound the frame takes the normal path: what it would have done without netpass.
    __sync_fetch_and_add(&cnt->over_bound, 1);
    return TC_ACT_OK;
pass:
    __sync_fetch_and_add(&cnt->passed, 1);
    return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
