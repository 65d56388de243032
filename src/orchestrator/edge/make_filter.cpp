#include "orchestrator/edge/edge.h"
#include "orchestrator/edge/fdb_filter.h"
#include "orchestrator/edge/vf_mac_filter.h"

namespace nf::orchestrator::edge {

std::unique_ptr<HostFilter> make_filter(const FilterSpec& spec) {
    if (spec.kind == FilterSpec::Kind::Fdb) return std::make_unique<FdbFilter>(spec);
    return std::make_unique<VfMacFilter>(spec);
}

}  // namespace nf::orchestrator::edge
