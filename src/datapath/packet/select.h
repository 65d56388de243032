#pragma once
// Choosing and building a datapath (config `datapath: bpf | packet | auto`). Auto takes bpf when this
// process may use BPF, else packet, and says why so the daemon can log it.
#include <memory>
#include <string>
#include <string_view>

#include <functional>

#include "datapath/bpf/bpf_datapath.h"
#include "datapath/bpf/two_dev_datapath.h"
#include "datapath/datapath.h"
#include "datapath/packet/packet_datapath.h"

namespace nf::datapath {

enum class DatapathKind { automatic, bpf, packet };

// "auto" | "bpf" | "packet"; throws ConfigError otherwise.
DatapathKind parse_datapath_kind(std::string_view text);

struct DatapathChoice {
    DatapathKind kind;       // bpf or packet, never automatic
    std::string reason;      // "configured", or why auto chose it
};

// Resolves `automatic` by probing BPF (the daemon must know before it creates the master: a veth pair
// for bpf, nothing for packet, which creates its own TAP).
DatapathChoice choose_datapath(DatapathKind requested);

// How the master and its slaves are laid out (failoverd's --model).
enum class DatapathModel { three_dev, hidden, two_dev };

// What failoverd asks of a datapath, whatever its kind: the one factory below picks the implementation
// and takes what it uses, so that adding a datapath touches no daemon file.
struct DatapathRequest {
    DatapathKind kind = DatapathKind::automatic;
    DatapathModel model = DatapathModel::three_dev;
    int master_ifindex = 0;    // bpf: the master veth; 2dev: the standby, which is the master
    int peer_ifindex = 0;      // bpf: the master veth's peer (which holds its carrier)
    int master_netns_fd = -1;  // the guest's namespace; -1 = current
    int slave_netns_fd = -1;   // where the slaves are (hidden: the private namespace)
    std::string pin_dir;       // bpf: on bpffs, one per master
    bool adopt = false;        // bpf: take over what a previous process left (pinned maps, filters)
    std::function<void(bool)> carrier;  // bpf 3dev/hidden: toggles the master's carrier
    MasterSpec packet_master;  // packet: the TAP master it creates
};

// Builds the datapath (automatic is resolved first). Throws ConfigError for a model the kind cannot do
// (2dev needs bpf), SystemError when it cannot start (having taken back what it did).
std::unique_ptr<Datapath> make_datapath(const DatapathRequest& request);

// What a previous process's datapath of this request left (bpf: pinned maps, filters on the links): taken
// over only to be removed. Nothing for packet, whose TAP died with its process.
void remove_left_datapath(const DatapathRequest& request);

}  // namespace nf::datapath
