#include "datapath/bpf/tc_hook.h"

#include <bpf/libbpf.h>

#include <cerrno>
#include <string>

#include "common/error.h"
#include "os/netns.h"

namespace nf::datapath {
namespace {

// Fixed so that an adopting daemon replaces exactly the filter its predecessor installed.
constexpr __u32 kHandle = 0xfa11;
constexpr __u32 kPriority = 1;

std::string where(const TcHookPoint& at) {
    return "ifindex " + std::to_string(at.ifindex) + (at.egress ? " egress" : " ingress");
}

bpf_tc_hook make_hook(int ifindex, bpf_tc_attach_point point) {
    bpf_tc_hook hook{};
    hook.sz = sizeof hook;
    hook.ifindex = ifindex;
    hook.attach_point = point;
    return hook;
}

bool gone(int rc) { return rc == -ENOENT || rc == -ENODEV || rc == -EINVAL; }

}  // namespace

bool tc_attach(const TcHookPoint& at, int prog_fd) {
    os::NetnsScope ns(at.netns_fd);
    auto hook = make_hook(at.ifindex, at.egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
    int rc = bpf_tc_hook_create(&hook);
    if (rc < 0 && rc != -EEXIST) throw_errno(-rc, "create clsact qdisc on " + where(at));
    bool created = rc == 0;

    bpf_tc_opts opts{};
    opts.sz = sizeof opts;
    opts.handle = kHandle;
    opts.priority = kPriority;
    opts.flags = BPF_TC_F_REPLACE;
    opts.prog_fd = prog_fd;
    rc = bpf_tc_attach(&hook, &opts);
    if (rc < 0) {
        if (created) bpf_tc_hook_destroy(&hook);
        throw_errno(-rc, "attach tc program on " + where(at));
    }
    return created;
}

void tc_detach(const TcHookPoint& at) {
    os::NetnsScope ns(at.netns_fd);
    auto hook = make_hook(at.ifindex, at.egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
    bpf_tc_opts opts{};
    opts.sz = sizeof opts;
    opts.handle = kHandle;
    opts.priority = kPriority;
    int rc = bpf_tc_detach(&hook, &opts);
    if (rc < 0 && !gone(rc)) throw_errno(-rc, "detach tc program from " + where(at));
}

void tc_remove_clsact(int netns_fd, int ifindex) {
    os::NetnsScope ns(netns_fd);
    auto hook = make_hook(ifindex, static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
    int rc = bpf_tc_hook_destroy(&hook);
    if (rc < 0 && !gone(rc)) throw_errno(-rc, "remove clsact qdisc from ifindex " + std::to_string(ifindex));
}

}  // namespace nf::datapath
