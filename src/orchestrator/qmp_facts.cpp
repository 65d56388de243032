#include "orchestrator/qmp_facts.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace nf::orchestrator {

using nlohmann::json;

namespace {
void collect(const json& devices, std::vector<std::string>& out, int depth) {
    if (!devices.is_array() || depth > 32) return;  // bridges nest; a bound keeps a hostile reply finite
    for (const auto& d : devices) {
        if (!d.is_object()) continue;
        if (d.contains("qdev_id") && d["qdev_id"].is_string() && !d["qdev_id"].get<std::string>().empty())
            out.push_back(d["qdev_id"].get<std::string>());
        if (d.contains("pci_bridge") && d["pci_bridge"].is_object() && d["pci_bridge"].contains("devices"))
            collect(d["pci_bridge"]["devices"], out, depth + 1);
    }
}
}  // namespace

std::vector<std::string> pci_device_ids(const json& query_pci) {
    std::vector<std::string> out;
    if (!query_pci.is_array()) return out;
    for (const auto& bus : query_pci)
        if (bus.is_object() && bus.contains("devices")) collect(bus["devices"], out, 0);
    return out;
}

bool pci_has(const json& query_pci, const std::string& id) {
    const auto ids = pci_device_ids(query_pci);
    return std::find(ids.begin(), ids.end(), id) != ids.end();
}

std::string qom_path(const std::string& id) { return "/machine/peripheral/" + id; }

std::vector<std::pair<std::string, bool>> capability_states(const json& reply) {
    std::vector<std::pair<std::string, bool>> out;
    if (!reply.is_array()) return out;
    for (const auto& c : reply)
        if (c.is_object() && c.contains("capability") && c["capability"].is_string())
            out.emplace_back(c["capability"].get<std::string>(), c.value("state", false));
    return out;
}

bool migration_finished(const std::string& status) {
    return status == "none" || status == "completed" || status == "failed" || status == "cancelled";
}

bool migration_running(const std::string& status) { return !status.empty() && !migration_finished(status); }

std::string progress_line(const json& q) {
    const std::string status = q.value("status", "?");
    std::string line = "migrate: " + status;
    if (q.contains("ram") && q["ram"].is_object()) {
        const auto& ram = q["ram"];
        const double total = ram.value("total", 0.0);
        const double done = ram.value("transferred", 0.0);
        const double remaining = ram.value("remaining", 0.0);
        char buf[128];
        const double pct = total > 0 ? 100.0 * (total - remaining) / total : 0.0;
        std::snprintf(buf, sizeof buf, "  ram %.0f%% (%.1f MiB sent of %.1f MiB)", pct, done / 1048576.0,
                      total / 1048576.0);
        line += buf;
    }
    if (q.contains("total-time")) line += "  " + std::to_string(q.value("total-time", 0)) + " ms";
    if (q.contains("downtime")) line += "  downtime " + std::to_string(q.value("downtime", 0)) + " ms";
    return line;
}

std::string primary_device_problem(const json& a) {
    if (!a.is_object()) return "must be a JSON object of device_add arguments";
    if (!a.contains("driver") || !a["driver"].is_string() || a["driver"].get<std::string>().empty())
        return "needs a \"driver\" (e.g. \"vfio-pci\")";
    if (!a.contains("id") || !a["id"].is_string() || a["id"].get<std::string>().empty())
        return "needs an \"id\" (the primary's qdev id)";
    return {};
}

std::optional<std::chrono::milliseconds> migration_announce_span(const json& p) {
    if (!p.is_object()) return std::nullopt;
    // QEMU's defaults for a parameter the reply lacks (every QEMU since 4.0 reports all four).
    const auto get = [&](const char* key, std::int64_t fallback) -> std::int64_t {
        if (!p.contains(key) || !p[key].is_number_integer()) return fallback;
        if (!p[key].is_number_unsigned() && p[key].get<std::int64_t>() < 0) return fallback;
        // Bounded: a hostile or odd reply must not make the sum overflow (QEMU itself caps initial and max at
        // 100000, rounds at 1000, step at 10000; 100000 each keeps the sum far inside int64).
        return static_cast<std::int64_t>(std::min<std::uint64_t>(p[key].get<std::uint64_t>(), 100000));
    };
    if (!p.contains("announce-rounds") && !p.contains("announce-initial") && !p.contains("announce-max") &&
        !p.contains("announce-step"))
        return std::nullopt;
    const std::int64_t initial = get("announce-initial", 50), max = get("announce-max", 550),
                       rounds = get("announce-rounds", 5), step = get("announce-step", 100);
    std::int64_t total = 0;
    for (std::int64_t k = 0; k + 1 < rounds; ++k) total += std::min(initial + k * step, max);
    return std::chrono::milliseconds(total);
}

bool qemu_announces(const json& device) {
    if (!device.is_object() || !device.contains("driver") || !device["driver"].is_string()) return false;
    return !device["driver"].get<std::string>().starts_with("vfio-pci");
}

}  // namespace nf::orchestrator
