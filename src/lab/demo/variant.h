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
    // A "trusted VF" (issue 13): the VF comes up with the kernel's random MAC and carries the id
    // kTrustedVfAlias as its link alias (the VMM's alias=); failoverd pairs it by `--primary-id alias:...` and
    // gives it the VM's MAC. Off: the VF has the VM's MAC and is paired by it (the kernel's rule).
    bool trusted_vf = false;
    std::string description() const;  // "filter moved (while-bound) + make-before-break RX"
};

// The ids a trusted-VF variant gives the VF when the lab config names none: the alias the lab's guest pairs
// it by, and the slot number of its root port (what a QEMU guest with native PCIe hotplug would pair by).
inline constexpr const char* kTrustedVfAlias = "vf0";
inline constexpr int kTrustedVfSlot = 4;

// moved-mbb (the headline), moved-mbb-trusted-vf (the headline with a trusted VF paired by its id),
// stale-mbb, moved-kernel, stale-kernel, moved-mbb-no-netpass, and reference (stale filter, kernel RX, no
// netpass, no announce-self: how QEMU + the kernel's net_failover migrate).
const std::vector<Variant>& all_variants();
std::optional<Variant> find_variant(std::string_view name);
// The default set: moved-mbb, moved-mbb-trusted-vf, stale-mbb, moved-kernel, moved-mbb-no-netpass, reference.
std::vector<Variant> default_variants();
// "moved-mbb, moved-mbb-trusted-vf, ..." (every variant, for --help and errors).
std::string variant_names();

// `base` with the variant's VF filter and failoverd's --rx-mode (any --rx-mode in base.guest.args replaced);
// a trusted-VF variant also gives every VM's VF a random MAC, a slot number on its root port (its own, else
// kTrustedVfSlot) and one alias (the first VM's, else kTrustedVfAlias:
// failoverd's arguments are the same in every VM) and failoverd `--primary-id alias:<alias>` (any
// --primary-id / --pair-by in base.guest.args replaced).
LabConfig apply_variant(LabConfig base, const Variant& variant);

}  // namespace nf::lab::demo
