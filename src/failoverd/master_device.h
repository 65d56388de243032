#pragma once
// Everything start-up creates around the failover master, and its removal:
//   - the private namespace `nfo-<master>` (bpf: parks the master veth's peer; hidden: holds the slaves),
//     named so that a restarted daemon finds it;
//   - 3dev: the holder bridge `<master>fo` (down) the slaves are linked to;
//   - bpf: the master veth pair (master in the guest namespace, peer `nfo-peer` in the private one);
//     packet: the TAP belongs to the datapath, this only records its ifindex.
// teardown() removes what is recorded, in reverse order of creation, and moves slaves left in the
// private namespace back to the guest: the same path serves a failed start, SIGTERM, and a restart
// that finds the leftovers of a daemon killed with the packet datapath.
#include <optional>
#include <string>

#include "common/mac_address.h"
#include "daemon/daemon_config.h"
#include "os/netns.h"
#include "os/rtnl.h"

namespace nf::failoverd {

inline constexpr const char* kMasterPeerName = "nfo-peer";

std::string private_netns_name(const std::string& master);
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

    const MasterLayout& layout() const { return layout_; }
    const os::Netns& guest() const { return guest_; }
    // The namespace the slaves live in.
    const os::Netns& slave_netns() const;
    const std::optional<os::Netns>& private_netns() const { return private_; }
    int master_ifindex() const { return master_ifindex_; }
    int peer_ifindex() const { return peer_ifindex_; }    // in the private namespace
    int holder_ifindex() const { return holder_ifindex_; }

    // Moves every link in the private namespace except the peer back to the guest (hidden model).
    void return_slaves();
    void teardown();
    void keep() { kept_ = true; }

private:
    MasterLayout layout_;
    const os::Netns& guest_;
    std::optional<os::Netns> private_;
    bool private_created_ = false;
    int holder_ifindex_ = 0;
    int master_ifindex_ = 0;
    int peer_ifindex_ = 0;
    bool veth_created_ = false;
    bool kept_ = false;
    bool torn_down_ = false;
};

}  // namespace nf::failoverd
