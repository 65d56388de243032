#pragma once
// Everything start-up creates around the failover master, and its removal:
//   - the private namespace `nfo-<key>` (bpf: parks the master veth's peer; hidden: holds the slaves),
//     named so that a restarted daemon finds it; <key> is system_key(): the guest namespace's inode and
//     the master's name, so that two guests on one host with masters of one name never share it;
//   - 3dev: the holder bridge `<master>fo` (down) the slaves are linked to;
//   - the master taking the standby's name: the standby renamed `<name>nsby`, renamed back last;
//   - bpf: the master veth pair (master in the guest namespace, peer `nfo-peer` in the private one);
//     packet: the TAP belongs to the datapath, this only records its ifindex.
// teardown() removes what is recorded, in reverse order of creation, and moves slaves left in the
// private namespace back to the guest (the namespace stays when one cannot be moved): the same path serves a failed start, SIGTERM, and a restart
// that finds the leftovers of a daemon killed with the packet datapath or during start-up.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/mac_address.h"
#include "failoverd_control/daemon_config.h"
#include "os/netns.h"
#include "os/rtnl.h"

namespace nf::failoverd {

inline constexpr const char* kMasterPeerName = "nfo-peer";

// <guest netns inode>-<master>: what the per-master system names (private namespace, state file, bpf pin
// dir) are keyed by. The inode is stable while the guest namespace lives, so a restarted daemon in the
// same guest finds what its predecessor left, and daemons in other guests never see it.
std::string system_key(std::uint64_t guest_inode, const std::string& master);
std::string private_netns_name(std::uint64_t guest_inode, const std::string& master);
std::string holder_bridge_name(const std::string& master);

struct MasterLayout {
    std::string master;
    daemon::DeviceModel model = daemon::DeviceModel::three_device;
    bool veth_master = false;  // bpf datapath: we create the master veth pair
    bool uses_private_netns() const { return veth_master || model == daemon::DeviceModel::hidden; }
    bool uses_holder() const { return model == daemon::DeviceModel::three_device; }
};

class MasterDevice {
public:
    MasterDevice(MasterLayout layout, const os::Netns& guest) : layout_(std::move(layout)), guest_(guest) {}
    ~MasterDevice();  // teardown() unless keep() was called
    MasterDevice(const MasterDevice&) = delete;
    MasterDevice& operator=(const MasterDevice&) = delete;

    // --- creation steps (each recorded for teardown) ---
    // The master takes the standby's name: the standby (taken down) becomes `renamed`.
    void rename_standby(os::Rtnl& guest_rtnl, const std::string& standby, const std::string& renamed);
    void create_private_netns();
    void create_holder(os::Rtnl& guest_rtnl);
    // bpf: the master veth pair, with the standby's MAC and MTU, left down.
    void create_veth_master(os::Rtnl& guest_rtnl, const MacAddress& mac, unsigned mtu);
    // packet: the TAP the datapath made.
    void record_tap_master(int ifindex) { master_ifindex_ = ifindex; }

    // --- adoption: find what a previous daemon left; false when the master is not there ---
    bool adopt(os::Rtnl& guest_rtnl);
    // Marks every leftover of a previous daemon (by name) for removal by teardown().
    void claim_leftovers(os::Rtnl& guest_rtnl);
    // Adoption and clean-up: a previous daemon renamed the standby; teardown() gives it its name back.
    void standby_renamed(std::string standby, std::string renamed) {
        renamed_standby_ = {std::move(standby), std::move(renamed)};
    }

    const MasterLayout& layout() const { return layout_; }
    const os::Netns& guest() const { return guest_; }
    // The namespace the slaves live in.
    const os::Netns& slave_netns() const;
    const std::optional<os::Netns>& private_netns() const { return private_; }
    int master_ifindex() const { return master_ifindex_; }
    int peer_ifindex() const { return peer_ifindex_; }    // in the private namespace
    int holder_ifindex() const { return holder_ifindex_; }

    // hidden: moves a slave from the guest into the private namespace. A slave sitting on another link (a
    // veth) gets an ifindex there that differs from its peer's: with equal numbers the kernel's linkwatch
    // takes both ends for non-stacked devices and rate-limits their carrier events to one run a second,
    // which delays our failover and the far end's own reaction (a bridge port re-enabled up to 1 s late).
    void hide_slave(os::Rtnl& guest_rtnl, int ifindex);
    // Moves every link in the private namespace except the peer back to the guest (hidden model); the
    // names of those that could not be moved (empty: all returned).
    // Both go on past a failed step (logged) and never throw: they run from destructors and stop().
    std::vector<std::string> return_slaves() noexcept;
    // What could not be undone, for the state file and the log (empty: the system is restored). A slave
    // that could not be returned keeps the private namespace alive: removing it would destroy a veth
    // standby inside. The next start's clean-up finishes the job.
    std::vector<std::string> teardown() noexcept;
    void keep() { kept_ = true; }

private:
    std::string private_name() const { return private_netns_name(guest_.inode(), layout_.master); }

    MasterLayout layout_;
    const os::Netns& guest_;
    std::optional<os::Netns> private_;
    bool private_created_ = false;
    int holder_ifindex_ = 0;
    int master_ifindex_ = 0;
    int peer_ifindex_ = 0;
    bool veth_created_ = false;
    std::optional<std::pair<std::string, std::string>> renamed_standby_;  // {its name, the name it has now}
    bool kept_ = false;
    bool torn_down_ = false;
    std::vector<std::string> leftovers_;  // teardown()'s answer, kept for a repeated call
};

}  // namespace nf::failoverd
