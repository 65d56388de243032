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

template <typename T>
json or_null(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

json switch_json(const SwitchStatus& s) {
    return {{"samples", s.samples},
            {"last_us", or_null(s.last_us)},
            {"p50_us", or_null(s.p50_us)},
            {"p99_us", or_null(s.p99_us)},
            {"last_at_unix_us", or_null(s.last_at_unix_us)}};
}

json control_json(const ControlStatus& s) {
    const ControlCounters& c = s.counters;
    return {{"clients", s.clients},
            {"subscribers", s.subscribers},
            {"clients_accepted", c.clients_accepted},
            {"clients_refused", c.clients_refused},
            {"peers_refused", c.peers_refused},
            {"requests", c.requests},
            {"bad_requests", c.bad_requests},
            {"oversized_requests", c.oversized_requests},
            {"events_published", c.events_published},
            {"slow_clients_dropped", c.slow_clients_dropped},
            {"accept_exhausted", c.accept_exhausted}};
}

json pairing_json(const PairingStatus& p) {
    json j = {{"by", p.by}};
    if (p.primary_id) {
        j["primary_id"] = *p.primary_id;
        j["taken_addresses"] = p.taken_addresses.is_null() ? json::array() : p.taken_addresses;
    }
    return j;
}

}  // namespace

json to_json(const StatusReport& r) {
    json j = {{"master", r.master},
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
                {"failovers", r.counters.failovers},
                {"primary_leaving", r.counters.primary_leaving}}}};
    j["switch"] = switch_json(r.switch_timing);
    j["carrier"] = r.carrier;
    j["rx"] = {{"primary", r.rx_primary}, {"standby", r.rx_standby}};
    j["rx_grace"] = {{"ms", r.rx_grace_ms}, {"holding", r.rx_grace_holding}};
    j["master_ifindex"] = r.master_ifindex;
    if (r.private_netns) j["private_netns"] = *r.private_netns;
    j["adopted"] = r.adopted;
    j["pairing"] = pairing_json(r.pairing);
    j["standby_config"] = {{"mode", r.standby_config_mode}, {"taken_over", r.taken_over}};
    j["pid"] = r.pid;
    j["version"] = r.version;
    j["uptime_s"] = r.uptime_s;
    if (r.config) j["config"] = to_json(*r.config);
    j["datapath_reason"] = r.datapath_reason;
    j["events_published"] = r.events_published;
    const EventLoopCounters& loop = r.event_loop;
    j["event_loop"] = {{"handler_errors", loop.handler_errors},
                       {"undecodable_link_messages", loop.undecodable_link_messages},
                       {"rounds", loop.rounds},
                       {"timers_fired", loop.timers_fired},
                       {"timers_pending", loop.timers_pending}};
    j["uevents"] = {{"listening", r.uevents.listening},
                    {"received", r.uevents.received},
                    {"not_kernel", r.uevents.not_kernel},
                    {"malformed", r.uevents.malformed},
                    {"overruns", r.uevents.overruns},
                    {"errors", r.uevents.errors},
                    {"leave_expired", r.uevents.leave_expired}};
    if (r.device_channel) j["device_channel"] = *r.device_channel;
    if (r.control) j["control"] = control_json(*r.control);
    if (r.announce)
        j["announce"] = {{"rounds", r.announce->rounds},
                         {"frames_sent", r.announce->frames_sent},
                         {"send_errors", r.announce->send_errors},
                         {"address_events", r.announce_addresses.from_events},
                         {"address_lookups", r.announce_addresses.lookups},
                         {"address_lookups_at_switch", r.announce_addresses.switch_lookups},
                         {"addresses", r.announce_addresses.known}};
    return j;
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
