#include "datapath/packet/select.h"

#include "common/error.h"
#include "datapath/bpf/bpf_probe.h"

namespace nf::datapath {

DatapathKind parse_datapath_kind(std::string_view text) {
    if (text == "auto") return DatapathKind::automatic;
    if (text == "bpf") return DatapathKind::bpf;
    if (text == "packet") return DatapathKind::packet;
    throw ConfigError("datapath: '" + std::string(text) + "' is not one of auto, bpf, packet");
}

DatapathChoice choose_datapath(DatapathKind requested) {
    if (requested == DatapathKind::bpf) return {DatapathKind::bpf, "configured"};
    if (requested == DatapathKind::packet) return {DatapathKind::packet, "configured"};
    if (auto why_not = bpf_unavailable_reason()) return {DatapathKind::packet, *why_not};
    return {DatapathKind::bpf, "BPF maps can be created (CAP_BPF)"};
}

std::unique_ptr<Datapath> make_datapath(DatapathKind kind, const DatapathOptions& options) {
    if (kind == DatapathKind::automatic) kind = choose_datapath(kind).kind;
    if (kind == DatapathKind::bpf) return std::make_unique<BpfDatapath>(options.bpf);
    return std::make_unique<PacketDatapath>(options.packet);
}

}  // namespace nf::datapath
