#include "orchestrator/timeline.h"

#include <algorithm>

namespace nf::orchestrator {

const char* to_string(Side side) {
    switch (side) {
        case Side::Source: return "source";
        case Side::Destination: return "destination";
        case Side::Host: return "host";
    }
    return "?";
}

std::vector<TimelineEntry> Timeline::sorted() const {
    std::vector<TimelineEntry> out = entries_;
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.wall_us < b.wall_us; });
    return out;
}

nlohmann::json Timeline::to_json() const {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : sorted()) {
        nlohmann::json j{{"t_ms", static_cast<double>(e.wall_us - start_us_) / 1000.0},
                         {"wall_us", e.wall_us},
                         {"kind", e.kind},
                         {"name", e.name},
                         {"side", to_string(e.side)}};
        if (!e.status.empty()) j["status"] = e.status;
        if (!e.detail.empty()) j["detail"] = e.detail;
        out.push_back(std::move(j));
    }
    return out;
}

std::vector<std::string> Timeline::names(const std::string& kind, const std::string& status) const {
    std::vector<std::string> out;
    for (const auto& e : sorted())
        if (e.kind == kind && (status.empty() || e.status == status)) out.push_back(e.name);
    return out;
}

}  // namespace nf::orchestrator
