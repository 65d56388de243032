#pragma once
// The fast datapath: tc/eBPF programs move frames between a veth master and its slaves inside the
// kernel (design §2.1). The daemon creates the master veth pair; this class loads the programs, pins
// their maps and attaches them.
//
//   3dev:   master, slaves in the guest netns; the master's veth peer parked elsewhere only holds
//           carrier. TX: master egress -> bpf_redirect(active slave). RX: slave ingress ->
//           bpf_redirect(master, BPF_F_INGRESS).
//   hidden: slaves and the master's veth peer in a private netns. TX: peer ingress -> bpf_redirect(active
//           slave). RX: slave ingress -> bpf_redirect_peer(peer), i.e. straight into the master's ingress.
//
// Lifecycle: the tc filters and pinned maps outlive this object (a crash keeps traffic flowing).
// Destroying it or calling release() leaves them in place; a new instance with `adopt` takes them
// over without a gap; teardown() removes filters, the qdiscs we created and the pins.
#include <functional>
#include <memory>
#include <string>

#include "datapath/bpf/tc_hook.h"
#include "datapath/datapath.h"

struct nf_failover;  // the bpftool skeleton

namespace nf::datapath {

// libbpf's messages go to spdlog (the verifier log at debug, warnings as warnings); once per process.
void route_libbpf_logs();

enum class BpfModel { three_dev, hidden };

struct BpfDatapathOptions {
    BpfModel model = BpfModel::three_dev;
    int master_ifindex = 0;         // in master_netns_fd
    int master_netns_fd = -1;       // -1 = current
    int peer_ifindex = 0;           // the master's veth peer (in slave_netns_fd for hidden)
    int slave_netns_fd = -1;        // 3dev: the same namespace as the master
    std::string pin_dir;            // on bpffs, e.g. /sys/fs/bpf/netfailover/<master>
    std::function<void(bool)> carrier;  // toggles the master's carrier (the daemon: peer admin up/down)
    bool adopt = false;             // take over the pinned maps and filters a previous owner left
};

class BpfDatapath final : public Datapath {
public:
    // Throws SystemError (load/attach failed; adopt without pins) with context. A failed constructor takes
    // back what it did: filters, the qdiscs it created, its pins (unless adopting) and the pin directories.
    explicit BpfDatapath(BpfDatapathOptions options);
    ~BpfDatapath() override;  // closes our fds only; see release()/teardown()
    BpfDatapath(const BpfDatapath&) = delete;
    BpfDatapath& operator=(const BpfDatapath&) = delete;

    std::string_view kind() const override { return "bpf"; }
    int master_ifindex() const override { return options_.master_ifindex; }

    void attach(Slot slot, const SlaveEndpoint& slave) override;
    void detach(Slot slot) override;
    void set_tx(std::optional<Slot> slot) override;
    void set_rx(Slot slot, bool deliver) override;
    void set_carrier(bool on) override;
    DatapathCounters counters() const override;

    // Current map state (also what an adopting instance starts from).
    std::optional<Slot> tx() const;
    bool rx(Slot slot) const;
    int slave_ifindex(Slot slot) const;  // 0 = empty slot

    // Leave filters and pins in place for a successor (crash-like handover); the object is inert after.
    void release();
    // Detach every filter, remove the clsact qdiscs we created, unpin the maps; inert after.
    void teardown() override;

private:
    struct SkeletonDeleter { void operator()(nf_failover* skel) const; };

    void initialize_maps();
    TcHookPoint tx_hook_point() const;
    // Attach (or replace) our filter; true when that created the device's clsact qdisc.
    bool attach_tx_hook();
    bool attach_rx_hook(int ifindex);
    // Undoes an attach of the failed constructor (see there).
    void undo_hook(const TcHookPoint& at, bool created_qdisc);
    void detach_rx_hook(int ifindex);
    void remember_qdisc(int ifindex);
    int map_fd(const char* name) const;
    void write_u32(int fd, std::uint32_t key, std::uint32_t value, const char* what);
    std::uint32_t read_u32(int fd, std::uint32_t key) const;
    void require_live() const;

    BpfDatapathOptions options_;
    std::unique_ptr<nf_failover, SkeletonDeleter> skel_;
};

}  // namespace nf::datapath
