#include "netpass/edge/tap_program.h"

#include <bpf/bpf.h>
#include <net/if.h>

#include <cerrno>
#include <ctime>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/error.h"
#include "netpass/edge/netpass.skel.h"
#include "os/netns.h"

namespace nf::netpass::edge {

namespace {

// Our own handle (not the datapath's 0xfa11), so the two never replace each other's filter.
constexpr __u32 kHandle = 0x6e70;
constexpr __u32 kPriority = 1;
// enum bpf_attach_type's BPF_TCX_EGRESS (uapi since 6.6; Debian 12's headers predate it).
constexpr int kTcxEgress = 47;  // (BPF_TCX_INGRESS is 46)

bpf_tc_hook egress_hook(int ifindex) {
    bpf_tc_hook hook{};
    hook.sz = sizeof hook;
    hook.ifindex = ifindex;
    hook.attach_point = BPF_TC_EGRESS;
    return hook;
}

std::uint64_t monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);  // bpf_ktime_get_ns's clock
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_nsec);
}

int on_sample(void* ctx, void* data, size_t size) {
    auto* fn = static_cast<TapProgram::FrameFn*>(ctx);
    if (size < sizeof(np_record)) return 0;
    np_record hdr{};
    std::memcpy(&hdr, data, sizeof hdr);
    if (hdr.len > size - sizeof hdr) return 0;
    (*fn)(static_cast<np_mode>(hdr.kind), std::span(static_cast<const std::uint8_t*>(data) + sizeof hdr, hdr.len));
    return 0;
}

}  // namespace

TapProgram::TapProgram(int netns_fd, const std::string& tap, const Bounds& bounds)
    : netns_fd_(netns_fd), tap_(tap), bounds_(bounds) {
    {
        os::NetnsScope ns(netns_fd_);
        ifindex_ = static_cast<int>(::if_nametoindex(tap.c_str()));
    }
    if (ifindex_ == 0) throw SystemError(ENODEV, "netpass: no device '" + tap + "'");
    skel_ = nf_netpass__open();
    if (!skel_) throw_errno("netpass: open the BPF program");
    try {
        if (int rc = bpf_map__set_max_entries(skel_->maps.np_frames, static_cast<__u32>(ring_size(bounds_))); rc < 0)
            throw_errno(-rc, "netpass: size the ring");
        if (int rc = nf_netpass__load(skel_); rc < 0) throw_errno(-rc, "netpass: load the BPF program");
        fn_ = [](np_mode, std::span<const std::uint8_t>) {};
        ring_ = ring_buffer__new(bpf_map__fd(skel_->maps.np_frames), on_sample, &fn_, nullptr);
        if (!ring_) throw_errno("netpass: open the ring");
        set_mode(NP_PASS);
        os::NetnsScope ns(netns_fd_);  // the ifindex is resolved in the caller's namespace
        const int prog_fd = bpf_program__fd(skel_->progs.np_egress);
        if (const int link = bpf_link_create(prog_fd, ifindex_, static_cast<bpf_attach_type>(kTcxEgress), nullptr);
            link >= 0) {
            link_ = UniqueFd(link);
            return;
        }  // EINVAL: a kernel without tcx
        auto hook = egress_hook(ifindex_);
        int rc = bpf_tc_hook_create(&hook);
        if (rc < 0 && rc != -EEXIST) throw_errno(-rc, "netpass: create clsact qdisc on " + tap_);
        created_qdisc_ = rc == 0;
        bpf_tc_opts opts{};
        opts.sz = sizeof opts;
        opts.handle = kHandle;
        opts.priority = kPriority;
        opts.prog_fd = prog_fd;
        if (rc = bpf_tc_attach(&hook, &opts); rc < 0) {
            if (rc == -EEXIST)
                throw SystemError(EEXIST, "netpass: " + tap_ + " already has a netpass program (another helper, "
                                          "or one killed: `tc filter del dev " + tap_ + " egress handle 0x6e70 "
                                          "prio 1 bpf`)");
            throw_errno(-rc, "netpass: attach to " + tap_ + " egress");
        }
        attached_ = true;
    } catch (...) {
        detach();
        throw;
    }
}

TapProgram::~TapProgram() { detach(); }

void TapProgram::detach() noexcept {
    link_.reset();
    if (attached_ || created_qdisc_) {
        try {
            os::NetnsScope ns(netns_fd_);
            auto hook = egress_hook(ifindex_);
            if (attached_) {
                bpf_tc_opts opts{};
                opts.sz = sizeof opts;
                opts.handle = kHandle;
                opts.priority = kPriority;
                bpf_tc_detach(&hook, &opts);  // a tap already gone took the filter with it
            }
            if (created_qdisc_) {
                hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
                bpf_tc_hook_destroy(&hook);
            }
        } catch (...) {  // the namespace is gone: so is the tap with its filter
        }
        attached_ = false;
        created_qdisc_ = false;
    }
    if (ring_) {
        ring_buffer__free(ring_);
        ring_ = nullptr;
    }
    if (skel_) {
        nf_netpass__destroy(skel_);
        skel_ = nullptr;
    }
}

void TapProgram::set_mode(np_mode mode, Millis deadline_from_now) {
    const __u32 zero = 0;
    if ((mode == NP_KEEP || mode == NP_DRAIN) && (mode_ == NP_PASS || mode_ == NP_MIRROR)) {
        np_counters fresh{};
        if (bpf_map_update_elem(bpf_map__fd(skel_->maps.np_counters), &zero, &fresh, BPF_ANY) < 0)
            throw_errno("netpass: reset counters");
    }
    np_config cfg{};
    cfg.mode = mode;
    cfg.max_frames = bounds_.max_frames;
    cfg.max_bytes = bounds_.max_bytes;
    cfg.deadline_ns = deadline_from_now.count() > 0
                          ? monotonic_ns() + static_cast<std::uint64_t>(deadline_from_now.count()) * 1'000'000ull
                          : 0;
    if (bpf_map_update_elem(bpf_map__fd(skel_->maps.np_config), &zero, &cfg, BPF_ANY) < 0)
        throw_errno("netpass: set mode");
    mode_ = mode;
}

np_counters TapProgram::counters() const {
    const __u32 zero = 0;
    np_counters c{};
    if (skel_) bpf_map_lookup_elem(bpf_map__fd(skel_->maps.np_counters), &zero, &c);
    return c;
}

int TapProgram::ring_fd() const { return ring_ ? ring_buffer__epoll_fd(ring_) : -1; }

int TapProgram::consume(const FrameFn& fn) {
    if (!ring_) return 0;
    fn_ = fn;
    const int n = ring_buffer__consume(ring_);
    fn_ = [](np_mode, std::span<const std::uint8_t>) {};
    if (n < 0) throw_errno(-n, "netpass: read the ring");
    return n;
}

}  // namespace nf::netpass::edge

namespace nf::netpass::edge {

TapProgram::TapStats TapProgram::tap_stats() const {
    // /proc/thread-self/net/dev is the calling thread's namespace: read it inside the tap's.
    std::string text;
    {
        os::NetnsScope ns(netns_fd_);
        std::ifstream in("/proc/thread-self/net/dev");
        std::stringstream ss;
        ss << in.rdbuf();
        text = ss.str();
    }
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        const auto first = line.find_first_not_of(' ');
        if (line.substr(first, colon - first) != tap_) continue;
        std::istringstream fields(line.substr(colon + 1));
        std::uint64_t v[16] = {};
        for (auto& x : v) fields >> x;
        // rx: bytes packets errs drop fifo frame compressed multicast; tx: bytes packets errs drop ...
        return {v[9], v[11]};
    }
    throw SystemError(ENODEV, "netpass: " + tap_ + " is not in /proc/net/dev");
}

}  // namespace nf::netpass::edge
