#pragma once
// The benchmark topologies, all in network namespaces named nfb-<case>-<role>, removed by their owners
// (also while an exception or an interrupt unwinds). Addresses: 10.209.0.1 the guest, 10.209.0.2 the far
// side; static neighbour entries on both, so ARP never mixes into what we measure.
//
//   BareVeth:        nfb-<c>-A 10.209.0.1 <-veth-> nfb-<c>-B 10.209.0.2            (the reference)
//   FailoverTopology, peers mode (throughput, switch latency):
//       guest G: master nfbm 10.209.0.1 [+ slaves nfbpri/nfbsby in 3dev; 2dev: nfbsby is the master]
//       private H: the bpf master's veth peer nfbmp [+ the slaves in hidden]
//       P: eth0 10.209.0.2, far end of nfbpri;  S: eth0, same IP and MAC, far end of nfbsby
//   FailoverTopology, bridge mode (loss across delete/re-add): the far ends nfbpri-h / nfbsby-h are ports
//       of a learning bridge nfbbr in host H2 ("N"), and a client C (eth0 10.209.0.2) hangs off it.
#include <memory>
#include <optional>
#include <string>

#include "common/mac_address.h"
#include "datapath/datapath.h"
#include "os/netns.h"

namespace nf::bench {

inline constexpr const char* kGuestIp = "10.209.0.1";
inline constexpr const char* kFarIp = "10.209.0.2";
inline constexpr const char* kMasterMac = "02:00:00:20:90:01";
inline constexpr const char* kFarMac = "02:00:00:20:90:02";
inline constexpr const char* kMasterName = "nfbm";
inline constexpr const char* kMasterPeerName = "nfbmp";
inline constexpr const char* kPrimaryName = "nfbpri";
inline constexpr const char* kStandbyName = "nfbsby";
inline constexpr const char* kPrimaryHostName = "nfbpri-h";
inline constexpr const char* kStandbyHostName = "nfbsby-h";
inline constexpr const char* kBridgeName = "nfbbr";

// A named namespace made for the benchmark; `ip netns del` on destruction.
class BenchNetns {
public:
    explicit BenchNetns(std::string name);
    ~BenchNetns();
    BenchNetns(const BenchNetns&) = delete;
    BenchNetns& operator=(const BenchNetns&) = delete;

    const std::string& name() const { return name_; }
    const os::Netns& netns() const { return *netns_; }
    int fd() const { return netns_->fd(); }
    // Prefix for a command run inside. nsenter, not `ip netns exec`: that remounts /sys and hides bpffs.
    std::string in() const { return "nsenter --net=/run/netns/" + name_ + " "; }
    int ifindex(const std::string& dev) const;

private:
    std::string name_;
    std::optional<os::Netns> netns_;
};

class BareVeth {
public:
    explicit BareVeth(const std::string& tag);
    BenchNetns& client() { return a_; }
    BenchNetns& server() { return b_; }

private:
    BenchNetns a_, b_;
};

enum class MasterKind { bpf, packet };
enum class Model { three_dev, hidden, two_dev };
enum class FarSide { peers, bridge };

std::string to_string(MasterKind kind);
std::string to_string(Model model);

struct TopologyOptions {
    std::string tag;  // short: part of every namespace name
    MasterKind kind = MasterKind::bpf;
    Model model = Model::three_dev;
    FarSide far = FarSide::peers;
    // failoverd makes the master itself (veth pair, private namespace, hidden slaves): the topology then
    // creates only the slaves, all in the guest namespace, and names the master nfbm-<tag>.
    bool external_master = false;
};

// The options for one named datapath ("bpf-3dev", "packet-hidden", ...): the tag is `tag_letter`, the
// datapath's initial and the model's initial (namespace names stay short and unique per bench).
TopologyOptions topology_for(const std::string& datapath_name, char tag_letter, FarSide far, bool external_master);

class Datapaths;  // in_process_master.h

class FailoverTopology {
public:
    explicit FailoverTopology(TopologyOptions options);
    ~FailoverTopology();

    const TopologyOptions& options() const { return options_; }
    BenchNetns& guest() { return guest_; }
    BenchNetns& hidden() { return hidden_; }
    BenchNetns& slaves_ns() { return options_.model == Model::hidden && !options_.external_master ? hidden_ : guest_; }
    // 2dev: the standby is the master (no master netdev, no veth pair).
    std::string master_name() const {
        if (options_.model == Model::two_dev) return kStandbyName;
        return options_.external_master ? "nfbm-" + options_.tag : kMasterName;
    }
    // Where the far ends of the slaves live: P/S (peers) or N (bridge).
    BenchNetns& primary_far_ns() { return options_.far == FarSide::bridge ? *host_ : *primary_peer_; }
    BenchNetns& standby_far_ns() { return options_.far == FarSide::bridge ? *host_ : *standby_peer_; }
    std::string primary_far_name() const { return options_.far == FarSide::bridge ? kPrimaryHostName : "eth0"; }
    // The namespace holding 10.209.0.2 for streams: C (bridge) or P (peers; S answers for the standby path).
    BenchNetns& far_client() { return options_.far == FarSide::bridge ? *client_ : *primary_peer_; }
    BenchNetns* standby_peer() { return standby_peer_ ? &*standby_peer_ : nullptr; }
    BenchNetns* host() { return host_ ? &*host_ : nullptr; }

    // The primary's veth: slave end nfbpri in the slaves' namespace (MAC = master's), far end attached
    // to P or to the bridge. Used again to re-plug it after delete_primary().
    void create_primary();
    // Deletes the far end (both ends go), like a host removing the VF.
    void delete_primary();
    datapath::SlaveEndpoint slave(datapath::Slot slot);

    // After the datapath made (packet) or was given (bpf) the master: MAC, address, neighbours, up.
    void configure_master();
    std::string pin_dir() const { return "/sys/fs/bpf/nfb/" + options_.tag; }

private:
    void create_slave(datapath::Slot slot);
    void create_veth_master();

    TopologyOptions options_;
    BenchNetns guest_, hidden_;
    std::optional<BenchNetns> primary_peer_, standby_peer_, host_, client_;
};

}  // namespace nf::bench
