#pragma once
// The demo's variants: how the NIC's VF filter follows the VF (failover-vmm --vf-filter) times how the
// guest receives around a switch (failoverd --rx-mode). Each one is a fresh lab.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "failover/config.h"
#include "lab/topology/lab_config.h"

namespace nf::lab::demo {

// failoverd's --rx-mode, as the core names it.
using RxMode = failover::RxMode;
using failover::to_string;

struct Variant {
    std::string name;  // "moved-mbb", ...
    VfFilter filter = VfFilter::WhileBound;
    RxMode rx = RxMode::make_before_break;
    bool netpass = true;   // the migration phases: the netpass capability (failover-lab migrate --no-netpass)
    bool announce = true;  // the migration phases: the orchestrator's announce-self on the destination
    std::string description() const;  // "filter moved (while-bound) + make-before-break RX"
};

// moved-mbb (the headline), stale-mbb, moved-kernel, stale-kernel, moved-mbb-no-netpass, and reference
// (stale filter, kernel RX, no netpass, no announce-self: how QEMU + the kernel's net_failover migrate).
const std::vector<Variant>& all_variants();
std::optional<Variant> find_variant(std::string_view name);
// The default set: moved-mbb, stale-mbb, moved-kernel, moved-mbb-no-netpass, reference.
std::vector<Variant> default_variants();

// `base` with the variant's VF filter and failoverd's --rx-mode (any --rx-mode in base.guest.args replaced).
LabConfig apply_variant(LabConfig base, const Variant& variant);

}  // namespace nf::lab::demo
