#pragma once
// Test topology for the datapaths, built with iproute2 (test setup only; production code never shells
// out). Every namespace is named nfdp<tag><role> and removed by its owner's destructor, even on failure.
//
//   guest G:    the master (10.77.0.1/24) [+ the slaves in the 3dev model]
//   private H:  the master's veth peer (bpf) [+ the slaves in the hidden model]
//   peers P, S: the far ends of the primary and standby slaves; same IP 10.77.0.2 and same MAC, like
//               the VF and the virtio NIC of one VM seen from the network (platform-notes §5).
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/unique_fd.h"
#include "datapath/datapath.h"
#include "os/netns.h"

namespace nf::datapath::test {

// <prefix><pid>x<counter>: a name part unique among live processes.
std::string unique_tag(const std::string& prefix);
// For a fixture's TearDown: fails the test if anything named after `tag` is left in /run/netns,
// /sys/fs/bpf or /run/netfailover (and removes it).
void expect_no_leftovers(const std::string& tag);
// Polls `condition` every 10 ms until it holds or `timeout` (generous: CI machines are loaded) passes.
bool wait_until(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(15));

// Runs a shell command; throws with its output when it fails.
std::string sh(const std::string& command);
// Runs a shell command; returns its exit status (output discarded).
int sh_status(const std::string& command);

class Netns {
public:
    explicit Netns(std::string name);
    ~Netns();
    Netns(const Netns&) = delete;
    Netns& operator=(const Netns&) = delete;

    const std::string& name() const { return name_; }
    int fd() const { return ns_.fd(); }
    // Prefix for a command run inside (nsenter keeps /sys/fs/bpf visible, unlike `ip netns exec`).
    std::string in() const { return "nsenter --net=/run/netns/" + name_ + " "; }
    int ifindex(const std::string& dev) const;
    bool has_carrier(const std::string& dev) const;

private:
    std::string name_;
    os::Netns ns_;
};

struct PingResult {
    int transmitted = 0;
    int received = 0;
    int duplicates = 0;
};

class Topology {
public:
    static constexpr const char* kMasterMac = "02:00:00:77:00:01";
    static constexpr const char* kPeerMac = "02:00:00:77:00:02";
    static constexpr const char* kMasterName = "nfdp-m";
    static constexpr const char* kMasterPeerName = "nfdp-mp";

    Topology(const std::string& tag, bool hidden_slaves);

    Netns& guest() { return guest_; }
    Netns& hidden() { return private_; }
    Netns& slaves_ns() { return hidden_slaves_ ? private_ : guest_; }
    Netns& peer(Slot slot) { return slot == Slot::primary ? primary_peer_ : standby_peer_; }

    // A slave veth in the slaves' namespace (MAC = master's, as a VF/virtio pair would have), its far end
    // eth0 in the slot's peer namespace.
    void create_slave(Slot slot);
    void delete_slave(Slot slot);
    SlaveEndpoint slave(Slot slot);
    static std::string slave_name(Slot slot) { return slot == Slot::primary ? "nfdp-pri" : "nfdp-sby"; }

    // The bpf master: veth kMasterName in G, its peer kMasterPeerName in H.
    void create_veth_master();
    // IP, MAC, up for a master someone else created (the packet datapath's TAP).
    void configure_master(const std::string& dev);

    PingResult ping(int count, double interval_s, int size = 56, double wait_s = 1);
    void set_master_peer_up(bool up);

private:
    bool hidden_slaves_;
    Netns guest_, private_, primary_peer_, standby_peer_;
};

}  // namespace nf::datapath::test
