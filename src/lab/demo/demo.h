#pragma once
// `failover-lab demo`: the README's main command. For each variant a fresh lab, the unplug/re-plug
// scenario under a sequenced stream (scenario.h), its table and timeline; then the comparison across
// variants, the target verdict and out/demo/report.json. Table of contents of the library nf_lab_demo:
//   frame.h     the UDP payload of an Ethernet frame (for the path taps)
//   path_tap.h  a packet socket on a host port that labels stream packets with their path
//   variant.h   VF filter x RX mode
//   scenario.h  one variant: lab up, scenario, lab down
//   report.h    tables, verdict, JSON
#include <atomic>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "lab/demo/scenario.h"
#include "lab/demo/variant.h"
#include "lab/topology/lab_config.h"

namespace nf::lab::demo {

struct DemoOptions {
    LabConfig config;                      // the lab (its prefix is used for every variant, one after another)
    std::filesystem::path out_dir = "out/demo";
    std::vector<Variant> variants = default_variants();
    ScenarioOptions scenario;
};

enum DemoExit : int { kDemoOk = 0, kDemoFailed = 1, kDemoNeedsRoot = 3, kDemoInterrupted = 130 };

// What the demo needs that a non-root user lacks; empty when it can run.
std::string missing_privileges();

// Runs the demo, printing progress and tables to `out` and problems to `err`. kDemoOk when every variant
// ran (a MISS of the target is reported, not an error); kDemoFailed when one could not run (the others
// still run and the report is still written); kDemoNeedsRoot without root; kDemoInterrupted on Ctrl-C
// (SIGINT/SIGTERM are caught for the run, and every lab is torn down).
int run_demo(DemoOptions options, std::ostream& out, std::ostream& err);

// The --help text: the scenario, the variants and the output files.
std::string demo_help_footer();

}  // namespace nf::lab::demo
