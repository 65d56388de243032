#include "datapath/factory.h"

#include "common/error.h"
#include "datapath/bpf/bpf_datapath.h"
#include "datapath/bpf/bpf_probe.h"
#include "datapath/bpf/two_dev_datapath.h"
#include "datapath/packet/packet_datapath.h"

namespace nf::datapath {

DatapathKind parse_datapath_kind(std::string_view text) {
    if (const auto kind = from_string(text, kDatapathKinds)) return *kind;
    throw ConfigError("datapath: '" + std::string(text) + "' is not one of auto, bpf, packet");
}

DatapathChoice choose_datapath(DatapathKind requested) {
    if (requested == DatapathKind::bpf) return {DatapathKind::bpf, "configured"};
    if (requested == DatapathKind::packet) return {DatapathKind::packet, "configured"};
    if (auto why_not = bpf_unavailable_reason()) return {DatapathKind::packet, *why_not};
    return {DatapathKind::bpf, "BPF maps can be created (CAP_BPF)"};
}

DatapathTraits datapath_traits(DatapathKind kind, DeviceModel model) {
    const bool bpf = kind == DatapathKind::bpf;
    return {bpf && model != DeviceModel::two_device, bpf};
}

namespace {

BpfDatapathOptions bpf_options(const DatapathRequest& r) {
    BpfDatapathOptions o;
    o.model = r.model == DeviceModel::hidden ? BpfModel::hidden : BpfModel::three_dev;
    o.master_ifindex = r.master_ifindex;
    o.master_netns_fd = r.master_netns_fd;
    o.peer_ifindex = r.peer_ifindex;
    o.slave_netns_fd = r.slave_netns_fd;
    o.pin_dir = r.pin_dir;
    o.carrier = r.carrier;
    o.adopt = r.adopt;
    return o;
}

TwoDevDatapathOptions two_dev_options(const DatapathRequest& r) {
    TwoDevDatapathOptions o;
    o.standby_ifindex = r.master_ifindex;
    o.netns_fd = r.master_netns_fd;
    o.pin_dir = r.pin_dir;
    o.adopt = r.adopt;
    return o;
}

}  // namespace

std::unique_ptr<Datapath> make_datapath(const DatapathRequest& request) {
    const DatapathKind kind = request.kind == DatapathKind::automatic ? choose_datapath(request.kind).kind : request.kind;
    if (request.model == DeviceModel::two_device) {
        if (kind != DatapathKind::bpf) throw ConfigError("the 2dev model needs the bpf datapath");
        return std::make_unique<TwoDevDatapath>(two_dev_options(request));
    }
    if (kind == DatapathKind::bpf) return std::make_unique<BpfDatapath>(bpf_options(request));
    PacketDatapathOptions o;
    o.master = request.packet_master;
    return std::make_unique<PacketDatapath>(o);
}

void remove_left_datapath(const DatapathRequest& request) {
    if (request.kind != DatapathKind::bpf) return;
    DatapathRequest left = request;
    left.adopt = true;
    left.carrier = nullptr;
    if (left.model == DeviceModel::two_device)
        TwoDevDatapath(two_dev_options(left)).teardown();
    else
        BpfDatapath(bpf_options(left)).teardown();
}

}  // namespace nf::datapath
