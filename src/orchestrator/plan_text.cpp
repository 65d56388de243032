// MigrationRun::plan: the steps this run would take for the pairing preflight found (what --dry-run prints).
#include <sstream>

#include "orchestrator/migration_run.h"
#include "orchestrator/qmp_facts.h"

namespace nf::orchestrator {

namespace {
std::string joined(const std::set<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out.empty() ? "-" : out;
}
}  // namespace

std::vector<PlannedStep> MigrationRun::plan() const {
    const Pairing& p = pairing_;
    std::vector<PlannedStep> steps;
    steps.push_back({step::kCapabilities, Side::Host,
                     "migrate-set-capabilities: source " + joined(p.enable_on_source) + "; destination " +
                         joined(p.enable_on_destination) +
                         (p.disable_on_source.empty() && p.disable_on_destination.empty()
                              ? std::string()
                              : "; off: source " + joined(p.disable_on_source) + "; destination " +
                                    joined(p.disable_on_destination)),
                     "set them back off"});
    steps.push_back({step::kStandbyLinkUp, Side::Source, "set_link " + p.standby + " up",
                     "none: the standby stays up (the guest's path while the VF is away)"});
    steps.push_back({step::kFilterToStandby, Side::Host,
                     ports_.source_filter ? ports_.source_filter->describe() + ": MAC to the PV port"
                                          : "skipped (no --source-filter)",
                     "the filter as found"});
    std::string link_down;
    const auto& settle = request_.bounds.link_down_settle;
    if (!settle) link_down = "skipped (no --link-down-settle)";
    else if (!p.primary_on_source) link_down = "skipped (" + p.primary + " is not plugged on the source)";
    else
        link_down = "set_link " + p.primary + " down (an emulated NIC)" +
                    (ports_.source_filter ? ", else " + ports_.source_filter->describe() + ": the VF's link state disable"
                                          : std::string()) +
                    ", else skipped; then " + std::to_string(settle->count()) +
                    " ms for the guest to move to the standby";
    steps.push_back({step::kPrimaryLinkDown, Side::Source, link_down,
                     settle && p.primary_on_source ? "the link up again" : "-"});
    std::string unplug;
    if (!p.primary_on_source) unplug = "skipped (" + p.primary + " is not plugged on the source)";
    else if (p.failover) unplug = "by the VMM inside migrate (failover=on: UNPLUG_PRIMARY, wait-unplug), bounded";
    else unplug = "device_del " + p.primary + ", wait for DEVICE_DELETED";
    if (p.primary_on_source) unplug += " (at most " + std::to_string(request_.bounds.unplug.count()) + " ms)";
    steps.push_back({step::kUnplugPrimary, Side::Source, unplug,
                     !p.primary_on_source ? "-"
                     : p.failover         ? "the VMM re-plugs it when the migration is cancelled"
                                          : "device_add it again"});
    if (p.netpass == NetpassMode::Host)
        steps.push_back({step::kNetpassStart, Side::Host,
                         (ports_.netpass ? ports_.netpass->describe() : std::string("host netpass")) +
                             ": both halves attached (armed at the source's STOP)",
                         "abort: both detach, the source's kept frames go back to the source VM"});
    steps.push_back({step::kMigrate, Side::Source, "migrate " + request_.uri + ", follow MIGRATION events",
                     "migrate_cancel, the guest running on the source again"});
    steps.push_back({step::kReleaseSourceFilter, Side::Host,
                     ports_.source_filter ? ports_.source_filter->describe() +
                                                ": our entry removed once the destination runs (a destination "
                                                "started paused: after announce-self)"
                                          : "skipped (no --source-filter)",
                     "-"});
    if (p.netpass == NetpassMode::Host)
        steps.push_back({step::kNetpassFinish, Side::Host,
                         "once the destination runs, before the VF returns (a destination started paused: after "
                         "announce-self): the halves' counts (kept, injected, forwarded, dropped), at most " +
                             std::to_string(request_.netpass_finish.count()) + " ms",
                         "-"});
    steps.push_back({step::kPlugPrimary, Side::Destination,
                     p.failover ? "wait for FAILOVER_NEGOTIATED(" + p.standby + "), " + p.primary + " listed" +
                                      (request_.primary_device ? ", else device_add" : "")
                                : "device_add " + p.primary +
                                      (request_.primary_device && qemu_announces(*request_.primary_device)
                                           ? " (an emulated NIC: after QEMU's post-migration announcement)"
                                           : ""),
                     "none (the destination is not resumed)"});
    steps.push_back({step::kFilterToPrimary, Side::Host,
                     ports_.destination_filter ? ports_.destination_filter->describe() + ": MAC to the VF"
                                               : "skipped (no --destination-filter)",
                     "the filter as found"});
    steps.push_back({step::kResumeDestination, Side::Destination,
                     "cont, if the destination was started paused (-S): the point of no return", "-"});
    steps.push_back({step::kAnnounce, Side::Destination,
                     request_.announce.enabled ? "announce-self (" + std::to_string(request_.announce.rounds) + " rounds)"
                                               : "skipped (--no-announce)",
                     "-"});
    return steps;
}

std::string MigrationRun::plan_text() const {
    std::ostringstream out;
    const Pairing& p = pairing_;
    out << "failover-migrate plan (dry run: nothing was changed)\n";
    out << "  pair: standby " << p.standby << " (failover=" << (p.failover ? "on" : "off") << "), primary "
        << p.primary << (p.primary_on_source ? " (plugged on the source)" : " (not plugged on the source)")
        << ", MAC " << (p.mac.empty() ? "unknown" : p.mac) << "\n";
    out << "  netpass: " << to_string(p.netpass) << "\n";
    for (const auto& note : p.notes) out << "  note: " << note << "\n";
    int n = 1;
    for (const auto& s : plan()) {
        out << "  " << n++ << ". " << s.name << " [" << to_string(s.side) << "]: " << s.action << "\n";
        out << "       undo: " << s.undo << "\n";
    }
    return out.str();
}

}  // namespace nf::orchestrator
