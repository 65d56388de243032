#pragma once
// The three namespace benchmarks. Each builds its own nfb-* topologies, runs, removes them, writes a
// markdown section to `md` and returns the raw numbers as JSON.
#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "net/in_process_master.h"

namespace nf::bench {

struct ThroughputOptions {
    int rounds = 5;
    int seconds = 5;
    std::vector<std::string> cases{"bare", "bpf-3dev", "bpf-hidden", "bpf-2dev", "packet-3dev"};
    MasterMode mode;
};
nlohmann::json run_throughput(const ThroughputOptions& options, std::ostream& md);

struct SwitchOptions {
    int switches = 100;  // per direction (primary lost, primary back) and datapath
    std::vector<std::string> datapaths{"bpf-3dev", "packet-3dev"};
    MasterMode mode;
};
nlohmann::json run_switch_latency(const SwitchOptions& options, std::ostream& md);

struct LossOptions {
    int reps = 5;
    double rate_hz = 1000;
    std::vector<std::string> datapaths{"bpf-3dev", "packet-3dev"};
    MasterMode mode;
    std::vector<int> announces{1, 0};  // failoverd --announce values to compare (failoverd mode only)
};
nlohmann::json run_primary_loss(const LossOptions& options, std::ostream& md);

}  // namespace nf::bench
