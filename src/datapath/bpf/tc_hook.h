#pragma once
// Our tc filters on clsact hooks, through libbpf's netlink helpers. Attachment is not tied to an
// object's lifetime on purpose: a killed or released daemon must leave the filters forwarding.
// Detaching is an explicit operation (BpfDatapath::teardown).
#include <linux/bpf.h>

namespace nf::datapath {

struct TcHookPoint {
    int netns_fd = -1;      // where the device lives; -1 = current
    int ifindex = 0;
    bool egress = false;    // else ingress
};

// Attaches (or atomically replaces, keeping the same handle/priority: no gap in forwarding) our filter
// running prog_fd. Creates the clsact qdisc when absent; returns true when it did.
bool tc_attach(const TcHookPoint& at, int prog_fd);
// Removes our filter. A device or filter already gone is not an error.
void tc_detach(const TcHookPoint& at);
// Deletes the device's clsact qdisc (with every filter on it). A device already gone is not an error.
void tc_remove_clsact(int netns_fd, int ifindex);

}  // namespace nf::datapath
