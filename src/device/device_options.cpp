#include "device/device_options.h"

#include <charconv>

namespace nf::device {

namespace {

[[noreturn]] void bad_value(const DeviceOptions& o, const std::string& key, const nlohmann::json& value) {
    const std::string shown = value.is_string() ? value.get<std::string>() : value.dump();
    throw CommandFailure(generic_error("Property '" + o.driver->name + "." + key + "' doesn't take value '" +
                                       shown + "'"));
}

std::string as_string(const DeviceOptions& o, const std::string& key, const nlohmann::json& value) {
    if (!value.is_string()) bad_value(o, key, value);
    return value.get<std::string>();
}

// QEMU accepts both JSON booleans and the keyval spellings.
bool as_bool(const DeviceOptions& o, const std::string& key, const nlohmann::json& value) {
    if (value.is_boolean()) return value.get<bool>();
    if (value.is_string()) {
        const auto text = value.get<std::string>();
        if (text == "on" || text == "true" || text == "yes") return true;
        if (text == "off" || text == "false" || text == "no") return false;
    }
    bad_value(o, key, value);
}

std::optional<int> parse_hex(std::string_view text, int max) {
    if (text.starts_with("0x") || text.starts_with("0X")) text.remove_prefix(2);
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 16);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0 || value > max)
        return std::nullopt;
    return value;
}

// "slot[.function]" in hex, as QEMU's PCI addr property; an integer is a devfn.
PciAddress as_address(const DeviceOptions& o, const nlohmann::json& value) {
    if (value.is_number_integer()) {
        // Range-checked before narrowing: get<int>() would wrap 2^32 + 8 into devfn 8.
        const bool in_range = value.is_number_unsigned() ? value.get<std::uint64_t>() <= 0xff
                                                         : value.get<std::int64_t>() >= 0 && value.get<std::int64_t>() <= 0xff;
        if (!in_range) bad_value(o, "addr", value);
        const int devfn = value.get<int>();
        return {devfn >> 3, devfn & 7};
    }
    const std::string text = as_string(o, "addr", value);
    const auto dot = text.find('.');
    const auto slot = parse_hex(std::string_view(text).substr(0, dot), 0x1f);
    const auto function = dot == std::string::npos ? std::optional<int>(0)
                                                   : parse_hex(std::string_view(text).substr(dot + 1), 7);
    if (!slot || !function) bad_value(o, "addr", value);
    return {*slot, *function};
}

}  // namespace

DeviceHead parse_device_head(const nlohmann::json& arguments) {
    if (!arguments.is_object()) throw CommandFailure(generic_error("device_add arguments must be an object"));
    const auto driver_it = arguments.find("driver");
    if (driver_it == arguments.end()) throw CommandFailure(generic_error("Parameter 'driver' is missing"));
    if (!driver_it->is_string())
        throw CommandFailure(generic_error("Invalid parameter type for 'driver', expected: string"));
    DeviceHead head;
    head.driver = find_driver(driver_it->get<std::string>());
    if (!head.driver)
        throw CommandFailure(generic_error("'" + driver_it->get<std::string>() + "' is not a valid device model name"));
    if (const auto bus = arguments.find("bus"); bus != arguments.end() && bus->is_string()) head.bus = bus->get<std::string>();
    head.has_id = arguments.contains("id");
    if (const auto pair = arguments.find("failover_pair_id"); pair != arguments.end()) {
        head.has_failover_pair_id = true;
        if (pair->is_string()) head.failover_pair_id = pair->get<std::string>();
    }
    return head;
}

DeviceOptions parse_device_options(const nlohmann::json& arguments) {
    DeviceOptions o;
    o.driver = parse_device_head(arguments).driver;
    o.raw = arguments;

    for (const auto& [key, value] : arguments.items()) {
        if (!o.driver->accepts(key))
            throw CommandFailure(generic_error("Property '" + o.driver->name + "." + key + "' not found"));
        if (key == "id") o.id = as_string(o, key, value);
        else if (key == "bus") o.bus = as_string(o, key, value);
        else if (key == "addr") o.addr = as_address(o, value);
        else if (key == "multifunction") o.multifunction = as_bool(o, key, value);
        else if (key == "failover") o.failover = as_bool(o, key, value);
        else if (key == "failover_pair_id") o.failover_pair_id = as_string(o, key, value);
        else if (key == "mac") {
            o.mac = MacAddress::parse(as_string(o, key, value));
            if (!o.mac) bad_value(o, key, value);
        }
    }
    if (o.id && o.id->empty()) throw CommandFailure(generic_error("Parameter 'id' expects an identifier"));
    return o;
}

}  // namespace nf::device
