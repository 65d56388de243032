#pragma once
// The datapath factory (config `datapath: bpf | packet | auto`): the one place that knows the
// implementations (bpf/, packet/) by name. failoverd asks for a datapath with a DatapathRequest and gets a
// Datapath back, so adding a datapath touches this folder only, no daemon file. Auto takes bpf when this
// process may use BPF, else packet, and says why so the daemon can log it.
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "datapath/datapath.h"
#include "datapath/kind.h"

namespace nf::datapath {

// "auto" | "bpf" | "packet"; throws ConfigError otherwise.
DatapathKind parse_datapath_kind(std::string_view text);

struct DatapathChoice {
    DatapathKind kind;       // bpf or packet, never automatic
    std::string reason;      // "configured", or why auto chose it
};

// Resolves `automatic` by probing BPF (the daemon must know before it creates the master: a veth pair
// for bpf, nothing for packet, which creates its own TAP).
DatapathChoice choose_datapath(DatapathKind requested);

// What a datapath of a kind (resolved, never automatic) and model needs of the daemon before it is built,
// and what it leaves behind: the daemon asks here instead of knowing the kinds.
struct DatapathTraits {
    // The daemon creates the master as a veth pair (bpf 3dev/hidden); else the datapath creates its own
    // (packet: a TAP) or there is none (2dev: the standby is the master).
    bool veth_master = false;
    // It keeps forwarding after its process dies (bpf: pinned maps, tc filters): the next daemon adopts
    // it (the same setup) or removes it (remove_left_datapath).
    bool outlives_process = false;
};
DatapathTraits datapath_traits(DatapathKind kind, DeviceModel model);

// What failoverd asks of a datapath, whatever its kind: the factory picks the implementation and takes
// what it uses.
struct DatapathRequest {
    DatapathKind kind = DatapathKind::automatic;
    DeviceModel model = DeviceModel::three_device;
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
