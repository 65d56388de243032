#include "lab/traffic/report.h"

#include <algorithm>
#include <cstdio>

namespace nf::lab {
namespace {

std::string ms(std::int64_t ns) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", static_cast<double>(ns) / 1e6);
    return text;
}

std::string ms3(std::int64_t ns) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", static_cast<double>(ns) / 1e6);
    return text;
}

std::string paths_text(const DirectionStats& stats, const std::vector<std::string>& labels) {
    std::string text;
    for (std::size_t id = 0; id < stats.delivered_by_path.size(); ++id) {
        if (stats.delivered_by_path[id] == 0) continue;
        if (!text.empty()) text += ' ';
        text += (id < labels.size() && !labels[id].empty()) ? labels[id] : "-";
        text += ':' + std::to_string(stats.delivered_by_path[id]);
    }
    return text;
}

using Row = std::vector<std::string>;

Row row_for(const PhaseStats& phase, const DirectionStats& stats, const Analysis& analysis) {
    const auto t = [&](const std::optional<std::int64_t>& at) { return at ? ms(*at - analysis.origin_ns) : ""; };
    Row row{phase.label,
            std::string(to_string(stats.direction)),
            t(phase.start_ns),
            t(phase.end_ns),
            std::to_string(stats.sent),
            std::to_string(stats.delivered),
            std::to_string(stats.lost),
            std::to_string(stats.not_sent),
            std::to_string(stats.duplicated),
            std::to_string(stats.reordered)};
    if (stats.latency) {
        row.insert(row.end(), {ms3(stats.latency->p50_ns), ms3(stats.latency->p99_ns), ms3(stats.latency->max_ns)});
    } else {
        row.insert(row.end(), {"-", "-", "-"});
    }
    if (stats.longest_gap) {
        const Outage& gap = *stats.longest_gap;
        row.push_back(ms(gap.duration_ns()));
        row.push_back(ms(gap.start_ns - analysis.origin_ns) + ".." + ms(gap.end_ns - analysis.origin_ns));
    } else {
        row.insert(row.end(), {"0", "-"});
    }
    row.push_back(paths_text(stats, analysis.path_labels));
    return row;
}

// Phase, direction, gap span and paths are text (left-aligned); the rest are numbers (right-aligned).
bool left_aligned(std::size_t column) { return column <= 1 || column >= 14; }

nlohmann::json direction_json(const DirectionStats& stats, const Analysis& analysis) {
    nlohmann::json out{{"direction", to_string(stats.direction)},
                       {"sent", stats.sent},
                       {"delivered", stats.delivered},
                       {"lost", stats.lost},
                       {"not_sent", stats.not_sent},
                       {"duplicated", stats.duplicated},
                       {"reordered", stats.reordered}};
    out["latency_ns"] = stats.latency ? nlohmann::json{{"p50", stats.latency->p50_ns},
                                                       {"p99", stats.latency->p99_ns},
                                                       {"max", stats.latency->max_ns}}
                                      : nlohmann::json(nullptr);
    if (stats.longest_gap) {
        const Outage& gap = *stats.longest_gap;
        out["longest_gap"] = {{"start_ns", gap.start_ns - analysis.origin_ns},
                              {"end_ns", gap.end_ns - analysis.origin_ns},
                              {"duration_ns", gap.duration_ns()},
                              {"first_sequence", gap.first_sequence},
                              {"packets", gap.packets}};
    } else {
        out["longest_gap"] = nullptr;
    }
    nlohmann::json paths = nlohmann::json::object();
    for (std::size_t id = 0; id < stats.delivered_by_path.size(); ++id) {
        const std::string name = id < analysis.path_labels.size() && !analysis.path_labels[id].empty()
                                     ? analysis.path_labels[id]
                                     : "unlabelled";
        if (stats.delivered_by_path[id] != 0) paths[name] = stats.delivered_by_path[id];
    }
    out["delivered_by_path"] = paths;
    return out;
}

nlohmann::json phase_json(const PhaseStats& phase, const Analysis& analysis) {
    const auto t = [&](const std::optional<std::int64_t>& at) {
        return at ? nlohmann::json(*at - analysis.origin_ns) : nlohmann::json(nullptr);
    };
    nlohmann::json out{{"phase", phase.label}, {"start_ns", t(phase.start_ns)}, {"end_ns", t(phase.end_ns)}};
    for (const DirectionStats& stats : phase.directions) out["directions"].push_back(direction_json(stats, analysis));
    return out;
}

}  // namespace

std::string format_table(const Analysis& analysis) {
    std::vector<Row> rows{{"phase", "direction", "from ms", "to ms", "sent", "delivered", "lost", "not sent", "dup",
                           "reord", "p50 ms", "p99 ms", "max ms", "gap ms", "gap at ms", "paths"}};
    std::vector<const PhaseStats*> phases;
    for (const PhaseStats& phase : analysis.phases) phases.push_back(&phase);
    phases.push_back(&analysis.total);
    for (const PhaseStats* phase : phases)
        for (const DirectionStats& stats : phase->directions)
            if (stats.sent > 0) rows.push_back(row_for(*phase, stats, analysis));

    std::vector<std::size_t> width(rows.front().size(), 0);
    for (const Row& row : rows)
        for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());

    std::string out;
    for (const Row& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            const std::string pad(width[c] - row[c].size(), ' ');
            if (c > 0) line += "  ";
            line += left_aligned(c) ? row[c] + pad : pad + row[c];
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + '\n';
    }
    return out;
}

nlohmann::json to_json(const Analysis& analysis) {
    nlohmann::json out{{"origin_ns", analysis.origin_ns}, {"path_labels", analysis.path_labels}};
    out["phases"] = nlohmann::json::array();
    for (const PhaseStats& phase : analysis.phases) out["phases"].push_back(phase_json(phase, analysis));
    out["total"] = phase_json(analysis.total, analysis);
    return out;
}

}  // namespace nf::lab
