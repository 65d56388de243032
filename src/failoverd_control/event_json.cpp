#include "failoverd_control/event_json.h"

#include <ctime>

namespace nf::daemon {

namespace {
std::string iso8601_utc(std::chrono::system_clock::time_point t) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
    const std::time_t secs = static_cast<std::time_t>(us / 1'000'000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char head[32];
    std::strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &tm);
    char full[48];
    std::snprintf(full, sizeof full, "%s.%06lldZ", head, static_cast<long long>(us % 1'000'000));
    return full;
}

nlohmann::json role_json(const std::optional<failover::Role>& role) {
    if (!role) return nullptr;
    return std::string(failover::slot_name(*role));
}
}  // namespace

nlohmann::json event_json(const failover::FailoverEvent& e, std::chrono::system_clock::time_point wall,
                          std::chrono::steady_clock::time_point mono) {
    nlohmann::json j = {
        {"event", std::string(failover::to_string(e.kind))},
        {"time", iso8601_utc(wall)},
        {"monotonic_us", std::chrono::duration_cast<std::chrono::microseconds>(mono.time_since_epoch()).count()},
        {"master", e.master},
        {"reason", e.reason},
    };
    if (!e.slave.empty()) j["slave"] = e.slave;
    if (e.role) j["role"] = role_json(e.role);
    switch (e.kind) {
        case failover::FailoverEventKind::active_changed:
            j["active"] = e.active ? nlohmann::json(std::string(failover::slot_name(*e.active))) : nlohmann::json("none");
            break;
        case failover::FailoverEventKind::carrier_changed:
            j["carrier"] = e.carrier;
            break;
        case failover::FailoverEventKind::lower_state_changed:
            j["link_up"] = e.lower.link_up;
            j["tx_enabled"] = e.lower.tx_enabled;
            break;
        default:
            break;
    }
    return j;
}

}  // namespace nf::daemon
