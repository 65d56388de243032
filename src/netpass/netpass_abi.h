/* The contract between the host netpass tc program (edge/netpass.bpf.c) and its loader (edge/tap_program.cpp).
 * Plain C so both clang -target bpf and g++ read it. Nothing is pinned: the helper process owns the program
 * and its maps through their fds, so they vanish with it (only the tc filter must be detached explicitly). */
#ifndef NF_NETPASS_ABI_H
#define NF_NETPASS_ABI_H

#include <linux/types.h>

/* What the program does with a frame leaving the tap toward the guest (tap egress = bridge -> VM). */
enum np_mode {
    NP_PASS = 0,  /* normal path: the VMM reads it */
    NP_KEEP = 1,  /* into the ring, not to the VMM (source: the VMM no longer reads; destination: held) */
    NP_DRAIN = 2, /* into the ring only while the ring still has frames, else pass: releases held frames in order */
    NP_MIRROR = 3, /* a copy into the ring and pass: the source's last frames that the VMM never read can be
                      told (tap tx_packets counts reads) and recovered at the stop */
};

/* Every ring record: this header, then the frame. */
struct np_record {
    __u32 kind; /* NP_KEEP (kept / held: the VMM did not get it) or NP_MIRROR (a copy; the VMM got it too) */
    __u32 len;
};

/* Frames the helper injects itself carry this skb mark (SO_MARK on its AF_PACKET socket): always passed. */
#define NP_INJECT_MARK 0x6e700001u
/* Larger frames (GSO super-frames) are not kept: counted as dropped (TCP retransmits them). */
#define NP_MAX_FRAME 16384u

struct np_config {
    __u32 mode;         /* enum np_mode */
    __u32 max_frames;   /* bound on frames put in the ring since arming */
    __u64 max_bytes;    /* bound on bytes put in the ring since arming */
    __u64 deadline_ns;  /* bpf_ktime_get_ns (CLOCK_MONOTONIC) after which KEEP passes again; 0 = none */
};

/* Written by the program with atomic adds (several CPUs transmit on one tap); reset by the loader on arming. */
struct np_counters {
    __u64 ringed;        /* frames put in the ring */
    __u64 ringed_bytes;
    __u64 over_bound;    /* frames not kept: frame/byte/time bound reached or ring full */
    __u64 oversize;      /* frames larger than NP_MAX_FRAME */
    __u64 injected_seen; /* our own injected frames passing through */
    __u64 passed;        /* frames passed on while armed */
    __u64 mirrored;      /* copies made in NP_MIRROR */
    __u64 mirror_missed; /* copies that did not fit the ring (recovery is then off) */
    __u64 flooded;       /* group-addressed frames passed while armed: every port of the L2 domain, the
                            destination's tap included, gets its own copy (kept, they would arrive twice) */
};

#endif
