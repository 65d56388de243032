#include "failoverd_control/daemon_config.h"

#include "common/error.h"

namespace nf::daemon {

std::string_view to_string(PairingKey v) { return v == PairingKey::id ? "id" : "mac"; }

std::string_view to_string(StandbyConfig v) { return v == StandbyConfig::refuse ? "refuse" : "takeover"; }

std::string default_control_path(std::string_view master) {
    return std::string(kControlDirectory) + "/" + std::string(master) + ".sock";
}

std::string renamed_standby(std::string_view standby) {
    std::string renamed = std::string(standby) + std::string(kRenamedStandbySuffix);
    if (renamed.size() > kMaxIfnameLength)
        throw ConfigError("master: the master takes the standby's name, but the standby '" + std::string(standby) +
                          "' cannot be renamed '" + renamed + "' (longer than " + std::to_string(kMaxIfnameLength) +
                          " characters); give --master NAME");
    return renamed;
}

void name_master_after(DaemonConfig& config, std::string_view standby) {
    if (!config.master.empty()) return;
    if (config.model != DeviceModel::two_device) (void)renamed_standby(standby);  // 2dev renames nothing
    config.master = std::string(standby);
    if (config.control.empty()) config.control = default_control_path(config.master);
}

nlohmann::json to_json(const DaemonConfig& c) {
    nlohmann::json j;
    if (c.standby.name) j["standby"] = *c.standby.name;
    if (c.standby.by_rule()) {
        auto& m = j["standby_match"];
        m = nlohmann::json::object();
        if (c.standby.driver) m["driver"] = *c.standby.driver;
        if (c.standby.name_glob) m["name_glob"] = *c.standby.name_glob;
        if (c.standby.virtio_standby_feature) m["virtio_standby_feature"] = true;
    }
    if (!c.master.empty()) j["master"] = c.master;
    j["model"] = to_string(c.model);
    j["datapath"] = to_string(c.datapath);
    j["rx_mode"] = to_string(c.rx_mode);
    j["rx_grace_ms"] = c.rx_grace.count();
    j["announce"] = {{"count", c.announce.count}, {"interval_ms", c.announce.interval.count()}};
    j["pairing"] = {{"by", to_string(c.pairing.by)}};
    if (c.pairing.by == PairingKey::id) j["pairing"]["primary_id"] = c.pairing.primary_id;
    j["standby_config"] = to_string(c.standby_config);
    if (!c.control.empty()) j["control"] = c.control;
    if (!c.control_group.empty()) j["control_group"] = c.control_group;
    if (!c.device_channel.empty()) j["device_channel"] = c.device_channel;
    j["standby_ack"] = c.standby_ack;
    j["log_level"] = c.log_level;
    j["foreground"] = c.foreground;
    return j;
}

}  // namespace nf::daemon
