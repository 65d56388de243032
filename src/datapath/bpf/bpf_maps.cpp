#include "datapath/bpf/bpf_maps.h"

#include <bpf/bpf.h>

#include <cstdint>
#include <vector>

#include "common/error.h"
#include "datapath/bpf/failover_abi.h"

namespace nf::datapath {

int unpin_every_map(bpf_object* obj) noexcept {
    int failures = 0;
    bpf_map* map = nullptr;
    bpf_object__for_each_map(map, obj) {
        if (bpf_map__is_pinned(map) && bpf_map__unpin(map, nullptr) < 0) ++failures;
    }
    return failures;
}

DatapathCounters sum_percpu_counters(int counters_map_fd, const std::string& who) {
    const int ncpu = libbpf_num_possible_cpus();
    if (ncpu < 0) throw_errno(-ncpu, who + ": count possible CPUs");
    std::vector<nf_counters> per_cpu(static_cast<std::size_t>(ncpu));  // sizeof is a multiple of 8: no padding
    std::uint32_t zero = 0;
    if (bpf_map_lookup_elem(counters_map_fd, &zero, per_cpu.data()) < 0) throw_errno(who + ": read counters");
    DatapathCounters sum;
    for (const auto& c : per_cpu) {
        for (std::size_t s = 0; s < NF_SLOTS; ++s) {
            sum.slot[s].tx_packets += c.tx_packets[s];
            sum.slot[s].tx_bytes += c.tx_bytes[s];
            sum.slot[s].rx_packets += c.rx_packets[s];
            sum.slot[s].rx_bytes += c.rx_bytes[s];
            sum.slot[s].rx_dropped += c.rx_dropped[s];
        }
        sum.tx_dropped += c.tx_dropped;
    }
    return sum;
}

}  // namespace nf::datapath
