#include "failoverd_control/status_report.h"

#include <array>
#include <iomanip>
#include <sstream>

namespace nf::daemon {

using nlohmann::json;

namespace {

json slave_json(const SlaveStatus& s) {
    return {{"name", s.name}, {"ifindex", s.ifindex}, {"present", s.present}, {"up", s.up}, {"carrier", s.carrier}};
}

// A member as text: strings bare, booleans yes/no, absent or null as "-".
std::string field(const json& object, const char* key) {
    if (!object.is_object()) return "-";
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return "-";
    if (it->is_string()) return it->get<std::string>().empty() ? "-" : it->get<std::string>();
    if (it->is_boolean()) return it->get<bool>() ? "yes" : "no";
    return it->dump();
}

json member(const json& object, const char* key) {
    if (!object.is_object()) return json();
    const auto it = object.find(key);
    return it == object.end() ? json() : *it;
}

}  // namespace

json to_json(const StatusReport& r) {
    return {{"master", r.master},
            {"model", r.model},
            {"datapath", r.datapath},
            {"rx_mode", r.rx_mode},
            {"active", r.active},
            {"active_choice", r.active_choice},
            {"primary", slave_json(r.primary)},
            {"standby", slave_json(r.standby)},
            {"counters",
             {{"tx_packets", r.counters.tx_packets},
              {"rx_packets", r.counters.rx_packets},
              {"tx_dropped", r.counters.tx_dropped},
              {"failovers", r.counters.failovers}}}};
}

std::string format_status(const json& status) {
    std::ostringstream out;
    const auto row = [&out](const std::string& label, const std::string& value) {
        out << std::left << std::setw(12) << label << value << '\n';
    };
    row("master", field(status, "master"));
    row("model", field(status, "model"));
    row("datapath", field(status, "datapath"));
    row("rx-mode", field(status, "rx_mode"));
    std::string active = field(status, "active");
    if (const auto choice = field(status, "active_choice"); choice != "-" && choice != "auto")
        active += " (forced: " + choice + ")";
    row("active", active);

    out << '\n';
    constexpr std::array<const char*, 6> headings{"slave", "name", "ifindex", "present", "up", "carrier"};
    constexpr std::array<int, 6> widths{9, 17, 9, 9, 5, 0};
    const auto columns = [&](const std::array<std::string, 6>& cells) {
        std::string line;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            std::string cell = cells[i];
            if (widths[i] > 0) cell.resize(std::max<std::size_t>(cell.size() + 1, widths[i]), ' ');
            line += cell;
        }
        out << line << '\n';
    };
    columns({headings[0], headings[1], headings[2], headings[3], headings[4], headings[5]});
    for (const char* slot : {"primary", "standby"}) {
        const json slave = member(status, slot);
        columns({slot, field(slave, "name"), field(slave, "ifindex"), field(slave, "present"), field(slave, "up"),
                 field(slave, "carrier")});
    }

    out << '\n';
    const json counters = member(status, "counters");
    for (const char* key : {"tx_packets", "rx_packets", "tx_dropped", "failovers"}) row(key, field(counters, key));
    return out.str();
}

}  // namespace nf::daemon
