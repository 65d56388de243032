#pragma once
// What both tc datapaths (BpfDatapath's 3dev/hidden program, TwoDevDatapath's 2dev programs) do the same way
// with their libbpf objects: unpin every map, and sum the per-CPU counters their programs share
// (failover_abi.h's nf_counters).
#include <bpf/libbpf.h>

#include <string>

#include "datapath/datapath.h"

namespace nf::datapath {

// Every pinned map, each on its own: bpf_object__unpin_maps stops at the first map whose pin is already
// gone (the slot devmap's undo may have removed it), leaving the rest pinned. Returns the failures.
int unpin_every_map(bpf_object* obj) noexcept;

// The per-CPU nf_counters at key 0 of `counters_map_fd`, summed over every possible CPU; `who` names the
// datapath in the error.
DatapathCounters sum_percpu_counters(int counters_map_fd, const std::string& who);

}  // namespace nf::datapath
