#include "daemon/daemon_config.h"

namespace nf::daemon {

std::string_view to_string(DeviceModel v) { return v == DeviceModel::hidden ? "hidden" : "3dev"; }

std::string_view to_string(DatapathChoice v) {
    switch (v) {
    case DatapathChoice::bpf: return "bpf";
    case DatapathChoice::packet: return "packet";
    case DatapathChoice::automatic: break;
    }
    return "auto";
}

std::string_view to_string(RxMode v) { return v == RxMode::kernel ? "kernel" : "make-before-break"; }

std::string_view to_string(PairingKey v) { return v == PairingKey::id ? "id" : "mac"; }

std::string default_control_path(std::string_view master) {
    return std::string(kControlDirectory) + "/" + std::string(master) + ".sock";
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
    j["master"] = c.master;
    j["model"] = to_string(c.model);
    j["datapath"] = to_string(c.datapath);
    j["rx_mode"] = to_string(c.rx_mode);
    j["announce"] = {{"count", c.announce.count}, {"interval_ms", c.announce.interval.count()}};
    j["pairing"] = {{"by", to_string(c.pairing.by)}};
    if (c.pairing.by == PairingKey::id) j["pairing"]["primary_id"] = c.pairing.primary_id;
    j["control"] = c.control;
    j["log_level"] = c.log_level;
    j["foreground"] = c.foreground;
    return j;
}

}  // namespace nf::daemon
