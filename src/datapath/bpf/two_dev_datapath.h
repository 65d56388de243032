#pragma once
// The 2-device model's datapath (netvsc's shape): no master netdev. The standby is the device
// applications use; the primary is its slave. tc programs (two_dev.bpf.c) on both:
//   TX: standby egress -> bpf_redirect(primary) while TX is steered to the primary, else out the standby.
//   RX: primary ingress -> bpf_redirect(standby, BPF_F_INGRESS): received again as the standby's.
//       standby ingress: its own frames pass or are dropped by the RX policy.
// The standby's carrier is its own (a virtio NIC's link), so set_carrier() has nothing to drive.
//
// Lifecycle as BpfDatapath: filters and pinned maps outlive the object (a crashed daemon leaves traffic
// flowing); `adopt` takes them over without a gap; teardown() removes filters, our qdiscs and the pins.
#include <memory>
#include <string>

#include "datapath/bpf/tc_hook.h"
#include "datapath/datapath.h"

struct nf_two_dev;  // the bpftool skeleton

namespace nf::datapath {

struct TwoDevDatapathOptions {
    int standby_ifindex = 0;  // the device applications use
    int netns_fd = -1;        // where the standby and the primary live; -1 = current
    std::string pin_dir;      // on bpffs, e.g. /sys/fs/bpf/netfailover/<key>
    bool adopt = false;       // take over the pinned maps and filters a previous owner left
};

class TwoDevDatapath final : public Datapath {
public:
    // Throws ConfigError (bad options; adopting pins of another standby) or SystemError (load/attach
    // failed; adopt without pins). A failed constructor takes back what it did.
    explicit TwoDevDatapath(TwoDevDatapathOptions options);
    ~TwoDevDatapath() override;  // closes our fds only; see release()/teardown()
    TwoDevDatapath(const TwoDevDatapath&) = delete;
    TwoDevDatapath& operator=(const TwoDevDatapath&) = delete;

    std::string_view kind() const override { return "bpf"; }
    int master_ifindex() const override { return options_.standby_ifindex; }

    // The standby slot takes only the standby itself (it is the master); the primary slot any device
    // in the namespace.
    void attach(Slot slot, const SlaveEndpoint& slave) override;
    void detach(Slot slot) override;
    void set_tx(std::optional<Slot> slot) override;
    void set_rx(Slot slot, bool deliver) override;
    void set_carrier(bool on) override;  // nothing to do: see above
    DatapathCounters counters() const override;

    std::optional<Slot> tx() const;
    bool rx(Slot slot) const;
    int slave_ifindex(Slot slot) const;  // 0 = empty slot

    void release();   // leave filters and pins for a successor; inert after
    void teardown() override;  // remove filters, the clsact qdiscs we created, the pins; inert after

private:
    struct SkeletonDeleter { void operator()(nf_two_dev* skel) const; };

    bool attach_hook(const TcHookPoint& at, int prog_fd);
    void detach_primary_hook(int ifindex);
    int fd_of(const char* map) const;
    void put(const char* map, std::uint32_t key, std::uint32_t value);
    std::uint32_t get(const char* map, std::uint32_t key) const;
    void require_live() const;
    TcHookPoint at(int ifindex, bool egress) const { return {options_.netns_fd, ifindex, egress}; }

    TwoDevDatapathOptions options_;
    std::unique_ptr<nf_two_dev, SkeletonDeleter> skel_;
};

}  // namespace nf::datapath
