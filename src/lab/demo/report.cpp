#include "lab/demo/report.h"

#include <algorithm>
#include <cstdio>

#include "lab/traffic/report.h"

namespace nf::lab::demo {
namespace {

std::string ms(std::int64_t ns) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f ms", static_cast<double>(ns) / 1e6);
    return text;
}

std::string since(const std::optional<std::int64_t>& at, std::int64_t from) {
    return at ? ms(*at - from) : "not seen";
}

nlohmann::json since_json(const std::optional<std::int64_t>& at, std::int64_t from) {
    return at ? nlohmann::json(*at - from) : nlohmann::json(nullptr);
}

nlohmann::json events_json(const std::vector<TimedEvent>& events, std::int64_t origin) {
    auto out = nlohmann::json::array();
    for (const auto& e : events) out.push_back({{"t_ns", e.time_ns - origin}, {"name", e.name}, {"data", e.data}});
    return out;
}

// Aligned columns: first column left, the rest right.
std::string columns(const std::vector<std::vector<std::string>>& rows) {
    std::vector<std::size_t> width;
    for (const auto& row : rows) {
        width.resize(std::max(width.size(), row.size()), 0);
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            const std::string pad(width[c] - row[c].size(), ' ');
            if (c > 0) line += "  ";
            line += c == 0 ? row[c] + pad : pad + row[c];
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + '\n';
    }
    return out;
}

}  // namespace

Loss phase_loss(const Analysis& analysis, const std::string& phase) {
    Loss loss;
    for (const auto& p : analysis.phases) {
        if (p.label != phase) continue;
        const auto& c2v = p.directions[static_cast<std::size_t>(Direction::ClientToVm)];
        const auto& v2c = p.directions[static_cast<std::size_t>(Direction::VmToClient)];
        loss.c2v += c2v.lost + c2v.not_sent;
        loss.v2c += v2c.lost + v2c.not_sent;
    }
    return loss;
}

Verdict verdict(const std::vector<VariantOutcome>& outcomes) {
    Verdict v;
    const auto it = std::find_if(outcomes.begin(), outcomes.end(),
                                 [](const VariantOutcome& o) { return o.variant.name == kHeadline; });
    if (it == outcomes.end() || !it->result) {
        v.line = std::string("NOT CHECKED: the headline variant ") + kHeadline +
                 (it == outcomes.end() ? " was not run" : " failed: " + it->error.substr(0, it->error.find('\n')));
        return v;
    }
    v.checked = true;
    const Loss unplug = unplug_loss(*it->result), replug = replug_loss(*it->result);
    v.pass = unplug.total() == 0 && replug.total() == 0;
    v.line = std::string(v.pass ? "PASS" : "MISS") + ": target 0 lost both ways on an orderly unplug and re-plug (" +
             it->variant.description() + "): unplug lost " + std::to_string(unplug.c2v) + " client->vm, " +
             std::to_string(unplug.v2c) + " vm->client; re-plug lost " + std::to_string(replug.c2v) +
             " client->vm, " + std::to_string(replug.v2c) + " vm->client";
    return v;
}

std::int64_t migration_outage_ns(const VariantResult& r, const MigrationResult& m) {
    std::int64_t longest = 0;
    for (const auto& p : r.analysis.phases)
        if (p.label == m.phase)
            for (const auto& d : p.directions)
                if (d.longest_gap) longest = std::max(longest, d.longest_gap->duration_ns());
    return longest;
}

Verdict migration_verdict(const std::vector<VariantOutcome>& outcomes) {
    Verdict v;
    const auto it = std::find_if(outcomes.begin(), outcomes.end(),
                                 [](const VariantOutcome& o) { return o.variant.name == kHeadline; });
    if (it == outcomes.end() || !it->result || it->result->migrations.empty()) {
        v.line = std::string("NOT CHECKED: no migration of the headline variant ") + kHeadline;
        return v;
    }
    v.checked = true;
    v.pass = true;
    std::string detail;
    for (const auto& m : it->result->migrations) {
        const Loss loss = phase_loss(it->result->analysis, m.phase);
        const std::int64_t outage = migration_outage_ns(*it->result, m);
        const bool ok = m.status == "migrated" && loss.total() == 0 && m.downtime_ms &&
                        outage <= 2 * *m.downtime_ms * 1'000'000;
        v.pass = v.pass && ok;
        detail += (detail.empty() ? "" : "; ") + m.from + "->" + m.to + " lost " + std::to_string(loss.c2v) +
                  " client->vm, " + std::to_string(loss.v2c) + " vm->client, outage " + ms(outage) + " vs downtime " +
                  (m.downtime_ms ? std::to_string(*m.downtime_ms) + " ms" : std::string("not reported"));
    }
    v.line = std::string(v.pass ? "PASS" : "MISS") +
             ": target 0 lost both ways on a live migration and outage <= 2 x downtime (" +
             it->variant.description() + "): " + detail;
    return v;
}

namespace {

std::string migrations_table(const VariantResult& r) {
    std::vector<std::vector<std::string>> rows{{"  phase", "route", "result", "downtime", "outage", "lost c->vm",
                                                "lost vm->c", "netpass kept/injected", "to primary"}};
    for (const auto& m : r.migrations) {
        const Loss loss = phase_loss(r.analysis, m.phase);
        rows.push_back({"  " + m.phase, m.from + "->" + m.to, m.status,
                        m.downtime_ms ? std::to_string(*m.downtime_ms) + " ms" : "-", ms(migration_outage_ns(r, m)),
                        std::to_string(loss.c2v), std::to_string(loss.v2c),
                        m.netpass ? std::to_string(m.netpass_kept) + "/" + std::to_string(m.netpass_injected) : "off",
                        since(m.guest_primary_ns, m.start_ns)});
    }
    return columns(rows);
}

}  // namespace

std::string format_variant(const VariantResult& r) {
    std::string out;
    out += "== " + r.variant.name + ": " + r.variant.description() + " (lab prefix " + r.prefix + ")\n";
    out += format_table(r.analysis);
    out += "paths (stream packets seen on the host ports, both directions; a packet lost later still counts):\n";
    std::vector<std::vector<std::string>> rows{{"  path", "host port", "client->vm", "vm->client"}};
    for (const auto& p : r.paths)
        rows.push_back({"  " + p.label, p.port, std::to_string(p.seen[0]), std::to_string(p.seen[1])});
    out += columns(rows);
    const auto& s = r.switches;
    out += "switch times:\n";
    out += "  unplug:  device_del -> DEVICE_DELETED " + since(s.device_deleted_ns, s.device_del_ns) +
           ", -> guest active standby " + since(s.guest_standby_ns, s.device_del_ns) + '\n';
    out += "  re-plug: device_add -> guest active primary " + since(s.guest_primary_ns, s.device_add_ns) + '\n';
    if (!r.migrations.empty()) {
        out += "migrations (downtime: query-migrate; outage: the longest gap of either direction in the phase):\n";
        out += migrations_table(r);
    }
    return out;
}

std::string format_comparison(const std::vector<VariantOutcome>& outcomes) {
    std::vector<std::vector<std::string>> rows{{"variant", "filter", "rx", "unplug c->vm", "unplug vm->c", "re-plug c->vm",
                                                "re-plug vm->c", "to standby", "to primary"}};
    for (const auto& o : outcomes) {
        const std::string filter = o.variant.filter == VfFilter::WhileBound ? "moved" : "stale";
        if (!o.result) {
            rows.push_back({o.variant.name, filter, std::string(to_string(o.variant.rx)), "failed", "", "", "", "", ""});
            continue;
        }
        const auto& r = *o.result;
        const Loss u = unplug_loss(r), p = replug_loss(r);
        rows.push_back({o.variant.name, filter, std::string(to_string(o.variant.rx)), std::to_string(u.c2v),
                        std::to_string(u.v2c), std::to_string(p.c2v), std::to_string(p.v2c),
                        since(r.switches.guest_standby_ns, r.switches.device_del_ns),
                        since(r.switches.guest_primary_ns, r.switches.device_add_ns)});
    }
    std::string out = "== comparison: packets lost (incl. not sent) on unplug and re-plug\n" + columns(rows);
    std::vector<std::vector<std::string>> mrows{{"variant", "migration", "downtime", "outage", "lost c->vm",
                                                 "lost vm->c", "netpass kept/injected"}};
    for (const auto& o : outcomes) {
        if (!o.result) continue;
        for (const auto& m : o.result->migrations) {
            const Loss loss = phase_loss(o.result->analysis, m.phase);
            mrows.push_back({o.variant.name, m.from + "->" + m.to + (m.status == "migrated" ? "" : " " + m.status),
                             m.downtime_ms ? std::to_string(*m.downtime_ms) + " ms" : "-",
                             ms(migration_outage_ns(*o.result, m)), std::to_string(loss.c2v), std::to_string(loss.v2c),
                             m.netpass ? std::to_string(m.netpass_kept) + "/" + std::to_string(m.netpass_injected) : "off"});
        }
    }
    if (mrows.size() > 1) out += "== comparison: live migration (downtime reported vs network outage measured)\n" + columns(mrows);
    return out;
}

namespace {

// The end of the phase that starts at `start` (the next phase mark), or the end of the run.
std::int64_t phase_end(const VariantResult& r, std::int64_t start) {
    for (const auto& mark : r.run.marks)
        if (mark.kind == MarkKind::Phase && mark.time_ns > start) return mark.time_ns;
    return time_end(r.run) + 1;
}

// Every packet of a migration's phase that did not arrive exactly once and in order, per direction (at most
// kMaxListed each): its sequence number, when it was sent (µs after the migrate call, and on the logs'
// wall clock) and what became of it, to be read against both VMMs' logs and the migration's timeline.
nlohmann::json irregular_packets_json(const VariantResult& r, const MigrationResult& m) {
    constexpr std::size_t kMaxListed = 64;
    const std::int64_t end = phase_end(r, m.start_ns);
    nlohmann::json out = nlohmann::json::object();
    for (const auto& stream : r.run.streams) {
        auto list = nlohmann::json::array();
        for (std::uint64_t seq = 0; seq < stream.sends.size() && list.size() < kMaxListed; ++seq) {
            const std::int64_t sent = stream.sends[seq].time_ns;
            if (sent < m.start_ns || sent >= end) continue;
            const PacketFate fate = packet_fate(stream, seq);
            std::string what;
            if (fate.fate == Fate::Lost) what = "lost";
            else if (fate.fate == Fate::NotSent) what = "not-sent";
            else if (fate.copies > 1) what = "duplicated";
            else if (fate.reordered) what = "reordered";
            if (what.empty()) continue;
            nlohmann::json entry{{"seq", seq}, {"fate", what}, {"sent_us", (sent - m.start_ns) / 1000},
                                 {"sent_wall_us", (sent + r.wall_minus_monotonic_ns) / 1000},
                                 {"latency_us", fate.fate == Fate::Delivered ? fate.latency_ns / 1000 : -1}};
            // A reordered packet: the first later one that arrived before it (which path overtook it).
            if (what == "reordered" && seq < stream.receives.size()) {
                const std::int64_t arrived = stream.receives[seq].first_rx_ns;
                for (std::uint64_t later = seq + 1; later < stream.receives.size(); ++later) {
                    const auto& rx = stream.receives[later];
                    if (rx.received() && rx.first_rx_ns < arrived) {
                        entry["overtaken_by"] = later;
                        break;
                    }
                }
            }
            list.push_back(std::move(entry));
        }
        out[stream.key.direction == Direction::ClientToVm ? "client-to-vm" : "vm-to-client"] = std::move(list);
    }
    return out;
}

nlohmann::json migrations_json(const VariantResult& r) {
    auto out = nlohmann::json::array();
    for (const auto& m : r.migrations) {
        const Loss loss = phase_loss(r.analysis, m.phase);
        out.push_back({{"phase", m.phase},
                       {"from", m.from},
                       {"to", m.to},
                       {"result", m.status},
                       {"error", m.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(m.error)},
                       {"downtime_ms", m.downtime_ms ? nlohmann::json(*m.downtime_ms) : nlohmann::json(nullptr)},
                       {"total_ms", m.total_ms ? nlohmann::json(*m.total_ms) : nlohmann::json(nullptr)},
                       {"outage_ns", migration_outage_ns(r, m)},
                       {"lost", {{"client-to-vm", loss.c2v}, {"vm-to-client", loss.v2c}}},
                       {"netpass", {{"enabled", m.netpass}, {"kept", m.netpass_kept}, {"injected", m.netpass_injected},
                                    {"dropped", m.netpass_dropped}}},
                       {"migrate_to_guest_primary_ns", since_json(m.guest_primary_ns, m.start_ns)},
                       {"migrate_ns", m.end_ns - m.start_ns},
                       {"irregular_packets", irregular_packets_json(r, m)},
                       {"timeline", m.report.value("timeline", nlohmann::json::array())}});
    }
    return out;
}

}  // namespace

nlohmann::json to_json(const VariantResult& r) {
    const std::int64_t origin = r.analysis.origin_ns;
    const auto& s = r.switches;
    const Loss u = unplug_loss(r), p = replug_loss(r);
    nlohmann::json paths = nlohmann::json::object();
    for (const auto& path : r.paths)
        paths[path.label] = {{"port", path.port}, {"client-to-vm", path.seen[0]}, {"vm-to-client", path.seen[1]}};
    return {{"name", r.variant.name},
            {"description", r.variant.description()},
            {"prefix", r.prefix},
            {"vf_filter", to_string(r.variant.filter)},
            {"rx_mode", to_string(r.variant.rx)},
            {"analysis", lab::to_json(r.analysis)},
            {"loss",
             {{"unplug", {{"client-to-vm", u.c2v}, {"vm-to-client", u.v2c}}},
              {"replug", {{"client-to-vm", p.c2v}, {"vm-to-client", p.v2c}}}}},
            {"switch_times_ns",
             {{"device_del_to_device_deleted", since_json(s.device_deleted_ns, s.device_del_ns)},
              {"device_del_to_guest_standby", since_json(s.guest_standby_ns, s.device_del_ns)},
              {"device_add_to_guest_primary", since_json(s.guest_primary_ns, s.device_add_ns)}}},
            {"paths_seen", paths},
            {"migrations", migrations_json(r)},
            {"qmp_events", events_json(r.qmp_events, origin)},
            {"guest_events", events_json(r.guest_events, origin)}};
}

nlohmann::json report_json(const std::vector<VariantOutcome>& outcomes, const nlohmann::json& options) {
    const Verdict v = verdict(outcomes);
    const Verdict mv = migration_verdict(outcomes);
    nlohmann::json out{{"options", options},
                       {"headline", kHeadline},
                       {"target", {{"checked", v.checked}, {"pass", v.pass}, {"line", v.line}}},
                       {"migration_target", {{"checked", mv.checked}, {"pass", mv.pass}, {"line", mv.line}}}};
    out["variants"] = nlohmann::json::array();
    for (const auto& o : outcomes) {
        nlohmann::json entry = o.result ? to_json(*o.result)
                                        : nlohmann::json{{"name", o.variant.name},
                                                         {"description", o.variant.description()},
                                                         {"vf_filter", to_string(o.variant.filter)},
                                                         {"rx_mode", to_string(o.variant.rx)}};
        entry["ok"] = o.result.has_value();
        entry["error"] = o.result ? nlohmann::json(nullptr) : nlohmann::json(o.error);
        entry["failed_attempts"] = o.failed_attempts;
        entry["svg"] = o.svg.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.svg);
        out["variants"].push_back(std::move(entry));
    }
    return out;
}

}  // namespace nf::lab::demo
