#pragma once
// `failover-lab migrate VM --to HOST`: a live migration of one lab VM between hosts, run by failover-migrate's
// library (src/orchestrator) over QMP: a destination failover-vmm started with `--incoming` on HOST (its own
// VF as the hidden primary, plugged once the guest's negotiated standby arrives in the stream), the VMMs'
// MAC filter policy moving the host NIC's filter as in the unplug demo, the source VMM stopped once the
// guest runs on HOST, and the lab state recording where the VM runs now (`failover-lab status`).
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/topology/lab_state.h"
#include "orchestrator/plan.h"

namespace nf::lab {

struct MigrateOptions {
    std::string vm;
    std::string to;        // a host of the lab's config
    bool netpass = true;   // false: the netpass capability stays off (frames reaching the paused source are lost)
    bool announce = true;  // false: no announce-self from the orchestrator (the destination VMM's own RARP stays)
    std::vector<std::filesystem::path> binary_dirs;  // where failover-vmm is; empty: next to us, then PATH
    std::chrono::milliseconds vmm_ready_timeout{10'000};  // the destination's QMP socket accepts
    std::chrono::milliseconds qmp_timeout{5'000};         // connecting to a VMM, and each command's reply
    std::chrono::milliseconds source_quit_grace{3'000};   // SIGTERM → SIGKILL for the source VMM afterwards
    orchestrator::Bounds bounds = default_bounds();

    static orchestrator::Bounds default_bounds() {
        orchestrator::Bounds b;
        b.migrate = std::chrono::seconds(60);  // the lab's guest is small: a minute is already a hang
        return b;
    }
};

struct MigrateReport {
    std::string vm;
    Placement from;
    Placement to;                      // the destination's host and QMP socket (where the VM is, when migrated)
    orchestrator::RunResult result;    // the orchestrator's outcome, query-migrate's figures included
    nlohmann::json timeline;           // every step, undo and QMP event of both VMMs
    bool runs_on_destination() const;  // migrated, or failed after the switch (it runs there without its VF)
};

// Runs the migration. Bad input changes nothing and throws ConfigError: the lab is not up, no such VM or
// host, the VM already runs on that host, the lab does not start VMMs, or another migration of this lab is
// under way. A destination VMM that cannot be started (or reached) is stopped again and a SystemError or
// std::runtime_error names it with the end of its log; the VM stays where it was. Every other failure is
// in the report (the orchestrator undid what it did; the destination VMM is stopped).
MigrateReport lab_migrate(const std::string& prefix, const MigrateOptions& options);

// Process exit status for a report: 0 when the VM runs on the destination with its VF, 1 otherwise.
int exit_code(const MigrateReport& report);
nlohmann::json to_json(const MigrateReport& report);
std::string to_text(const MigrateReport& report);

}  // namespace nf::lab
