#pragma once
// The demo's results as text and JSON: per variant the phase x direction table, which host port carried
// what and the switch times; across variants the loss on unplug and on re-plug; the target verdict.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lab/demo/scenario.h"

namespace nf::lab::demo {

// A variant's outcome: its result, or why it could not run.
struct VariantOutcome {
    Variant variant;
    std::optional<VariantResult> result;
    std::string error;  // set when !result
    std::string svg;    // file name of its timeline, when written
    std::vector<std::string> failed_attempts;  // every failed try, also those a retry made good
};

// Lost = left the sender and never arrived, plus not sent (the kernel refused it): both are missing.
struct Loss {
    std::uint64_t c2v = 0, v2c = 0;
    std::uint64_t total() const { return c2v + v2c; }
};
// Loss in the phase named `phase` (0 when there is no such phase).
Loss phase_loss(const Analysis& analysis, const std::string& phase);
// The unplug is the "standby only" phase (it starts at device_del), the re-plug the "re-plugged" one.
inline Loss unplug_loss(const VariantResult& r) { return phase_loss(r.analysis, kPhaseStandbyOnly); }
inline Loss replug_loss(const VariantResult& r) { return phase_loss(r.analysis, kPhaseReplugged); }

// The headline target: 0 lost both ways on unplug and re-plug with the filter moved and make-before-break.
struct Verdict {
    bool checked = false;  // the headline variant ran
    bool pass = false;
    std::string line;      // "PASS: ..." / "MISS: ..." / "NOT CHECKED: ..."
};
Verdict verdict(const std::vector<VariantOutcome>& outcomes);

// The migration target, for the headline variant: 0 lost both ways in every migration phase, and the
// network outage (longest gap, either way) at most twice the downtime query-migrate reports.
Verdict migration_verdict(const std::vector<VariantOutcome>& outcomes);

// A migration's measured outage: the longest gap of either direction in its phase (0 when none).
std::int64_t migration_outage_ns(const VariantResult& result, const MigrationResult& migration);

std::string format_variant(const VariantResult& result);
std::string format_comparison(const std::vector<VariantOutcome>& outcomes);
nlohmann::json to_json(const VariantResult& result);
nlohmann::json report_json(const std::vector<VariantOutcome>& outcomes, const nlohmann::json& options);

// The headline variant's name.
inline constexpr const char* kHeadline = "moved-mbb";

}  // namespace nf::lab::demo
