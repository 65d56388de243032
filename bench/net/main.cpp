// nf_net_bench: the namespace benchmarks of `make bench` (scripts/bench runs it as root and assembles
// docs/bench.md). Subcommands print a markdown section on stdout and write their raw numbers as JSON.
//   nf_net_bench throughput [--rounds N] [--seconds S] [--cases bare,bpf-3dev,...] [--json FILE]
//   nf_net_bench switch [--switches N] [--datapaths bpf-3dev,packet-3dev] [--json FILE]
//   nf_net_bench loss [--reps N] [--rate HZ] [--datapaths ...] [--json FILE]
// --failoverd PATH: failoverd is the master under test (else the datapath library, in-process).
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "net/benches.h"
#include "net/shell.h"

namespace nf::bench {
namespace {

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string item; std::getline(in, item, ',');)
        if (!item.empty()) out.push_back(item);
    return out;
}

int usage() {
    std::cerr << "usage: nf_net_bench throughput|switch|loss [--rounds N] [--seconds S] [--switches N] [--reps N]\n"
                 "                    [--rate HZ] [--cases LIST] [--datapaths LIST] [--json FILE] [--failoverd PATH]\n";
    return 2;
}

int run(int argc, char** argv) {
    if (argc < 2) return usage();
    const std::string what = argv[1];
    ThroughputOptions tp;
    SwitchOptions sw;
    LossOptions loss;
    std::string json_file;
    for (int i = 2; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 >= argc) return usage();
        const std::string value = argv[++i];
        if (flag == "--rounds") tp.rounds = std::stoi(value);
        else if (flag == "--seconds") tp.seconds = std::stoi(value);
        else if (flag == "--cases") tp.cases = split(value);
        else if (flag == "--switches") sw.switches = std::stoi(value);
        else if (flag == "--reps") loss.reps = std::stoi(value);
        else if (flag == "--rate") loss.rate_hz = std::stod(value);
        else if (flag == "--datapaths") sw.datapaths = loss.datapaths = split(value);
        else if (flag == "--json") json_file = value;
        else if (flag == "--failoverd") tp.mode.failoverd = sw.mode.failoverd = loss.mode.failoverd = value;
        else return usage();
    }
    nlohmann::json result;
    std::ostringstream md;
    if (what == "throughput") result = run_throughput(tp, md);
    else if (what == "switch") result = run_switch_latency(sw, md);
    else if (what == "loss") result = run_primary_loss(loss, md);
    else return usage();
    std::cout << md.str() << std::flush;
    if (!json_file.empty()) std::ofstream(json_file) << result.dump(1) << '\n';
    return 0;
}

}  // namespace
}  // namespace nf::bench

int main(int argc, char** argv) {
    spdlog::set_level(spdlog::level::warn);  // the datapaths log every attach at info
    nf::bench::install_interrupt_handler();
    try {
        return nf::bench::run(argc, argv);
    } catch (const nf::bench::Interrupted&) {
        std::cerr << "nf_net_bench: interrupted; namespaces removed\n";
        return 130;
    } catch (const std::exception& e) {
        std::cerr << "nf_net_bench: " << e.what() << '\n';
        return 1;
    }
}
