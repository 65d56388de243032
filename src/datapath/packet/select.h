#pragma once
// Choosing and building a datapath (config `datapath: bpf | packet | auto`). Auto takes bpf when this
// process may use BPF, else packet, and says why so the daemon can log it.
#include <memory>
#include <string>
#include <string_view>

#include "datapath/bpf/bpf_datapath.h"
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

struct DatapathOptions {
    BpfDatapathOptions bpf;        // used when the choice is bpf
    PacketDatapathOptions packet;  // used when the choice is packet
};

// Builds the datapath of a resolved kind (automatic is resolved first).
std::unique_ptr<Datapath> make_datapath(DatapathKind kind, const DatapathOptions& options);

}  // namespace nf::datapath
