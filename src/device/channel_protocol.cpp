#include "device/channel_protocol.h"

#include <nlohmann/json.hpp>

#include "common/json_input.h"

#include <charconv>
#include <cstdio>

namespace nf::device::channel {

using nlohmann::json;

namespace {

std::string hex(std::uint64_t value) {
    char buffer[24];
    std::snprintf(buffer, sizeof buffer, "0x%llx", static_cast<unsigned long long>(value));
    return buffer;
}

std::uint64_t parse_hex(const std::string& text) {
    std::string_view digits(text);
    if (!digits.starts_with("0x")) throw ProtocolError("features must be a hex string like \"0x1\", got '" + text + "'");
    digits.remove_prefix(2);
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size())
        throw ProtocolError("features must be a hex string like \"0x1\", got '" + text + "'");
    return value;
}

const char* role_name(Role role) { return role == Role::Standby ? "standby" : "primary"; }

json device_json(const DeviceInfo& d) {
    json j{{"id", d.id}, {"role", role_name(d.role)}, {"mac", d.mac}};
    if (d.role == Role::Standby) j["features"] = hex(d.features);
    return j;
}

std::string field(const json& j, const char* name) {
    const auto it = j.find(name);
    if (it == j.end() || !it->is_string()) throw ProtocolError(std::string("missing string field '") + name + "'");
    return it->get<std::string>();
}

DeviceInfo device_from(const json& j) {
    if (!j.is_object()) throw ProtocolError("a device must be an object");
    DeviceInfo d;
    d.id = field(j, "id");
    const std::string role = field(j, "role");
    if (role == "standby") d.role = Role::Standby;
    else if (role == "primary") d.role = Role::Primary;
    else throw ProtocolError("unknown device role '" + role + "'");
    d.mac = field(j, "mac");
    if (d.role == Role::Standby) d.features = parse_hex(field(j, "features"));
    return d;
}

struct Encoder {
    json operator()(const Hello& m) const {
        json devices = json::array();
        for (const auto& d : m.devices) devices.push_back(device_json(d));
        return {{"type", "hello"}, {"version", m.version}, {"devices", devices}};
    }
    json operator()(const SetFeatures& m) const {
        return {{"type", "set_features"}, {"device", m.device}, {"features", hex(m.features)}};
    }
    json operator()(const DriverOk& m) const { return {{"type", "driver_ok"}, {"device", m.device}}; }
    json operator()(const Reset& m) const { return {{"type", "reset"}, {"device", m.device}}; }
    json operator()(const EjectRequest& m) const { return {{"type", "eject_request"}, {"device", m.device}}; }
    json operator()(const EjectAck& m) const { return {{"type", "eject_ack"}, {"device", m.device}}; }
    json operator()(const EjectCancel& m) const { return {{"type", "eject_cancel"}, {"device", m.device}}; }
    json operator()(const Plugged& m) const { return {{"type", "plugged"}, {"device", device_json(m.device)}}; }
    json operator()(const Unplugged& m) const {
        return {{"type", "unplugged"},
                {"device", m.device},
                {"mode", m.mode == RemovalMode::Orderly ? "orderly" : "surprise"}};
    }
};

}  // namespace

std::string encode(const Message& message) { return dump_json(std::visit(Encoder{}, message)) + "\n"; }

Message decode(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    const JsonInput input = parse_json_input(line);
    if (!input.value) throw ProtocolError("channel message is not valid JSON: " + input.error);
    const json& j = *input.value;
    if (!j.is_object()) throw ProtocolError("channel message must be a JSON object");
    const std::string type = field(j, "type");
    if (type == "hello") {
        Hello m;
        const auto version = j.find("version");
        if (version == j.end() || !version->is_number_integer()) throw ProtocolError("hello lacks 'version'");
        // get<int>() would wrap 2^40 into some other version: out of int range is an error, not a value.
        if (version->is_number_unsigned() ? version->get<std::uint64_t>() > 1000000u
                                          : (version->get<std::int64_t>() < 0 || version->get<std::int64_t>() > 1000000))
            throw ProtocolError("hello 'version' is out of range");
        m.version = version->get<int>();
        const auto devices = j.find("devices");
        if (devices == j.end() || !devices->is_array()) throw ProtocolError("hello lacks 'devices'");
        if (devices->size() > kMaxHelloDevices) throw ProtocolError("hello lists more than " + std::to_string(kMaxHelloDevices) + " devices");
        for (const auto& d : *devices) m.devices.push_back(device_from(d));
        return m;
    }
    if (type == "set_features") return SetFeatures{field(j, "device"), parse_hex(field(j, "features"))};
    if (type == "driver_ok") return DriverOk{field(j, "device")};
    if (type == "reset") return Reset{field(j, "device")};
    if (type == "eject_request") return EjectRequest{field(j, "device")};
    if (type == "eject_ack") return EjectAck{field(j, "device")};
    if (type == "eject_cancel") return EjectCancel{field(j, "device")};
    if (type == "plugged") {
        const auto device = j.find("device");
        if (device == j.end()) throw ProtocolError("plugged lacks 'device'");
        return Plugged{device_from(*device)};
    }
    if (type == "unplugged") {
        const std::string mode = field(j, "mode");
        if (mode != "orderly" && mode != "surprise") throw ProtocolError("unknown unplug mode '" + mode + "'");
        return Unplugged{field(j, "device"), mode == "orderly" ? RemovalMode::Orderly : RemovalMode::Surprise};
    }
    throw ProtocolError("unknown channel message type '" + type + "'");
}

}  // namespace nf::device::channel
