// The JSON config file: the long flags' names as fields, teamd-style nesting for announce, pairing and
// standby_match. Strict: a typo is an error that names the field, never a silently ignored setting.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "common/error.h"
#include "common/json_input.h"
#include "failoverd_control/config_layer.h"
#include "failoverd_control/primary_id.h"

namespace nf::daemon {
namespace {

using nlohmann::json;

class FieldReader {
public:
    FieldReader(std::string_view origin, std::string prefix) : origin_(origin), prefix_(std::move(prefix)) {}

    std::string name(std::string_view key) const { return prefix_ + std::string(key); }

    [[noreturn]] void fail(std::string_view key, const std::string& problem) const {
        throw ConfigError(std::string(origin_) + ": " + name(key) + ": " + problem);
    }
    // Prefixes a check's own "field: problem" message with the origin.
    template <typename F>
    auto checked(F&& check) const {
        try {
            return check();
        } catch (const ConfigError& e) {
            throw ConfigError(std::string(origin_) + ": " + e.what());
        }
    }

    void only_known(const json& object, std::initializer_list<std::string_view> known) const {
        for (const auto& [key, value] : object.items()) {
            bool ok = false;
            for (auto k : known) ok = ok || key == k;
            if (ok) continue;
            std::string list;
            for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
            throw ConfigError(std::string(origin_) + ": unknown field '" + name(key) + "' (known fields: " +
                              list + ")");
        }
    }

    std::string string(const json& value, std::string_view key) const {
        if (!value.is_string()) fail(key, "expected a string, got " + std::string(value.type_name()));
        return value.get<std::string>();
    }
    bool boolean(const json& value, std::string_view key) const {
        if (!value.is_boolean()) fail(key, "expected true or false, got " + std::string(value.type_name()));
        return value.get<bool>();
    }
    // Any integer the range checks can see: beyond +-1e9 is out of range for every field (ms, counts).
    long long integer(const json& value, std::string_view key) const {
        if (value.is_number_float()) fail(key, "expected an integer, got " + dump_json(value));
        if (!value.is_number_integer()) fail(key, "expected an integer, got " + std::string(value.type_name()));
        const bool in_range = value.is_number_unsigned() ? value.get<unsigned long long>() <= kIntegerLimit
                                                         : value.get<long long>() >= -static_cast<long long>(kIntegerLimit) &&
                                                               value.get<long long>() <= static_cast<long long>(kIntegerLimit);
        if (!in_range) fail(key, dump_json(value) + " is out of range");
        return value.get<long long>();
    }
    static constexpr unsigned long long kIntegerLimit = 1'000'000'000ULL;
    const json& object(const json& value, std::string_view key) const {
        if (!value.is_object()) fail(key, "expected an object, got " + std::string(value.type_name()));
        return value;
    }

private:
    std::string_view origin_;
    std::string prefix_;
};

StandbyMatch parse_standby_match(const json& value, std::string_view origin) {
    const FieldReader top(origin, "");
    top.object(value, "standby_match");
    const FieldReader r(origin, "standby_match.");
    r.only_known(value, {"driver", "name_glob", "virtio_standby_feature"});
    StandbyMatch m;
    if (value.contains("driver")) {
        m.driver = r.string(value["driver"], "driver");
        if (m.driver->empty() || m.driver->find('/') != std::string::npos)
            r.fail("driver", "'" + *m.driver + "' is not a driver name");
    }
    if (value.contains("name_glob")) {
        m.name_glob = r.string(value["name_glob"], "name_glob");
        if (m.name_glob->empty()) r.fail("name_glob", "pattern is empty");
    }
    if (value.contains("virtio_standby_feature"))
        m.virtio_standby_feature = r.boolean(value["virtio_standby_feature"], "virtio_standby_feature");
    if (!m.by_rule())
        top.fail("standby_match", "give at least one rule: driver, name_glob or virtio_standby_feature: true");
    return m;
}

void parse_announce(const json& value, std::string_view origin, ConfigLayer& layer) {
    const FieldReader top(origin, "");
    if (value.is_number()) {  // "announce": 3, like --announce 3
        const long long n = top.integer(value, "announce");
        layer.announce_count = top.checked([&] { return check_announce_count("announce", n); });
        return;
    }
    top.object(value, "announce");
    const FieldReader r(origin, "announce.");
    r.only_known(value, {"count", "interval_ms"});
    if (value.contains("count")) {
        const long long n = r.integer(value["count"], "count");
        layer.announce_count = r.checked([&] { return check_announce_count("announce.count", n); });
    }
    if (value.contains("interval_ms")) {
        const long long ms = r.integer(value["interval_ms"], "interval_ms");
        layer.announce_interval = r.checked([&] { return check_announce_interval("announce.interval_ms", ms); });
    }
}

void parse_pairing(const json& value, std::string_view origin, ConfigLayer& layer) {
    FieldReader(origin, "").object(value, "pairing");
    const FieldReader r(origin, "pairing.");
    r.only_known(value, {"by", "primary_id"});
    if (value.contains("by")) {
        const auto by = r.string(value["by"], "by");
        layer.pairing_by = r.checked([&] { return parse_pairing_key("pairing.by", by); });
    }
    if (value.contains("primary_id")) {
        const auto id = r.string(value["primary_id"], "primary_id");
        layer.primary_id = r.checked([&] { return parse_primary_id("pairing.primary_id", id).canonical(); });
    }
}

}  // namespace

ConfigLayer parse_config_json(const json& doc, std::string_view origin) {
    const FieldReader r(origin, "");
    if (!doc.is_object())
        throw ConfigError(std::string(origin) + ": expected a JSON object at the top, got " +
                          std::string(doc.type_name()));
    r.only_known(doc, {"standby", "standby_match", "master", "model", "datapath", "rx_mode", "rx_grace_ms", "announce",
                       "pairing", "standby_config", "control", "control_group", "device_channel", "standby_ack", "log_level", "foreground"});
    ConfigLayer layer;
    if (doc.contains("standby") && doc.contains("standby_match"))
        throw ConfigError(std::string(origin) + ": give 'standby' or 'standby_match', not both");
    if (doc.contains("standby")) {
        layer.standby.name = r.string(doc["standby"], "standby");
        r.checked([&] { check_ifname("standby", *layer.standby.name); });
    }
    if (doc.contains("standby_match")) layer.standby = parse_standby_match(doc["standby_match"], origin);
    if (doc.contains("master")) {
        layer.master = r.string(doc["master"], "master");
        r.checked([&] { check_ifname("master", *layer.master); });
    }
    if (doc.contains("model")) {
        const auto text = r.string(doc["model"], "model");
        layer.model = r.checked([&] { return parse_device_model("model", text); });
    }
    if (doc.contains("datapath")) {
        const auto text = r.string(doc["datapath"], "datapath");
        layer.datapath = r.checked([&] { return parse_datapath("datapath", text); });
    }
    if (doc.contains("rx_mode")) {
        const auto text = r.string(doc["rx_mode"], "rx_mode");
        layer.rx_mode = r.checked([&] { return parse_rx_mode("rx_mode", text); });
    }
    if (doc.contains("rx_grace_ms")) {
        const long long ms = r.integer(doc["rx_grace_ms"], "rx_grace_ms");
        layer.rx_grace = r.checked([&] { return check_rx_grace("rx_grace_ms", ms); });
    }
    if (doc.contains("announce")) parse_announce(doc["announce"], origin, layer);
    if (doc.contains("pairing")) parse_pairing(doc["pairing"], origin, layer);
    if (doc.contains("standby_config")) {
        const auto text = r.string(doc["standby_config"], "standby_config");
        layer.standby_config = r.checked([&] { return parse_standby_config("standby_config", text); });
    }
    if (doc.contains("control")) {
        layer.control = r.string(doc["control"], "control");
        r.checked([&] { check_control_path("control", *layer.control); });
    }
    if (doc.contains("control_group")) {
        const auto text = r.string(doc["control_group"], "control_group");
        layer.control_group = r.checked([&] { return check_group("control_group", text); });
    }
    if (doc.contains("device_channel")) {
        layer.device_channel = r.string(doc["device_channel"], "device_channel");
        r.checked([&] { check_control_path("device_channel", *layer.device_channel); });
    }
    if (doc.contains("standby_ack")) layer.standby_ack = r.boolean(doc["standby_ack"], "standby_ack");
    if (doc.contains("log_level")) {
        const auto text = r.string(doc["log_level"], "log_level");
        layer.log_level = r.checked([&] { return check_log_level("log_level", text); });
    }
    if (doc.contains("foreground")) layer.foreground = r.boolean(doc["foreground"], "foreground");
    return layer;
}

ConfigLayer read_config_file(const std::string& path) {
    const std::string origin = "config file " + path;
    std::ifstream in(path);
    if (!in) throw ConfigError(origin + ": cannot open: " + std::strerror(errno));
    std::ostringstream text;
    text << in.rdbuf();
    // Total parse: "1e999" is an error naming its field ("rx_grace_ms: number overflow ..."), exit 2.
    const JsonInput doc = parse_json_input(text.str());
    if (!doc.value)
        throw ConfigError(origin + ": " + (doc.path.empty() ? std::string() : doc.path + ": ") + "not valid JSON: " +
                          doc.error);
    return parse_config_json(*doc.value, origin);
}

}  // namespace nf::daemon
