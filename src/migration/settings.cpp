#include "migration/settings.h"

#include <array>
#include <map>

#include "migration/netpass_records.h"

namespace nf::migration {

namespace {

using device::generic_error;
using device::reply_error;
using device::reply_ok;
using nlohmann::json;

// Every capability QEMU knows (qapi/migration.json) plus netpass; the three we implement are settable.
constexpr std::array<std::string_view, 24> kQemuCapabilities{
    "xbzrle",         "rdma-pin-all",       "auto-converge",       "zero-blocks",     "events",
    "postcopy-ram",   "x-colo",             "release-ram",         "return-path",     "pause-before-switchover",
    "multifd",        "dirty-bitmaps",      "postcopy-blocktime",  "late-block-activate", "x-ignore-shared",
    "validate-uuid",  "background-snapshot", "zero-copy-send",     "postcopy-preempt", "switchover-ack",
    "dirty-limit",    "mapped-ram",         "netpass",             "compress"};

bool* capability_field(Capabilities& caps, std::string_view name) {
    if (name == "events") return &caps.events;
    if (name == "return-path") return &caps.return_path;
    if (name == "netpass") return &caps.netpass;
    return nullptr;
}

bool known_capability(std::string_view name) {
    for (auto n : kQemuCapabilities)
        if (n == name) return true;
    return false;
}

std::string expects(std::string_view name, std::string_view what) {
    return "Parameter '" + std::string(name) + "' expects " + std::string(what);
}

// An integer JSON value in [lo, hi], or an error text.
std::optional<std::string> check_integer(const json& value, std::string_view name, long long lo, long long hi,
                                         std::string_view unit, long long& out) {
    const std::string range = "an integer between " + std::to_string(lo) + " and " + std::to_string(hi) +
                              (unit.empty() ? "" : " (" + std::string(unit) + ")");
    if (!value.is_number_integer()) return expects(name, range);
    if (value.is_number_unsigned() && value.get<unsigned long long>() > static_cast<unsigned long long>(hi))
        return expects(name, range);
    const long long v = value.get<long long>();
    if (v < lo || v > hi) return expects(name, range);
    out = v;
    return std::nullopt;
}

}  // namespace

std::string_view to_string(WaitUnplugPolicy policy) {
    return policy == WaitUnplugPolicy::Fail ? "fail" : "surprise-removal";
}

std::optional<std::string> Settings::check(const Capabilities& caps) const {
    if (caps.netpass && !caps.return_path) return std::string(kNetpassNeedsReturnPath);
    if (caps.netpass && !send_vm_started_) return std::string(kNetpassNeedsVmStarted);
    return std::nullopt;
}

device::Outcome Settings::set_capabilities(const json& arguments, bool busy) {
    if (busy) return reply_error(generic_error(std::string(kMigrationInProgress)));
    if (!arguments.is_object() || !arguments.contains("capabilities"))
        return reply_error(generic_error("Parameter 'capabilities' is missing"));
    const json& list = arguments.at("capabilities");
    if (!list.is_array())
        return reply_error(generic_error("Invalid parameter type for 'capabilities', expected: array"));
    Capabilities next = caps_;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string where = "capabilities[" + std::to_string(i) + "]";
        const json& entry = list[i];
        if (!entry.is_object()) return reply_error(generic_error("Invalid parameter type for '" + where + "', expected: object"));
        if (!entry.contains("capability") || !entry["capability"].is_string())
            return reply_error(generic_error("Parameter '" + where + ".capability' is missing"));
        if (!entry.contains("state") || !entry["state"].is_boolean())
            return reply_error(generic_error("Invalid parameter type for '" + where + ".state', expected: boolean"));
        const std::string name = entry["capability"].get<std::string>();
        const bool state = entry["state"].get<bool>();
        bool* field = capability_field(next, name);
        if (!field) {
            if (!known_capability(name))
                return reply_error(generic_error("Parameter '" + where + ".capability' does not accept value '" + name + "'"));
            if (state) return reply_error(generic_error("Capability '" + name + "' is not supported by failover-vmm"));
            continue;  // turning an unsupported capability off is what it already is
        }
        *field = state;
    }
    if (auto error = check(next)) return reply_error(generic_error(*error));
    caps_ = next;  // all or nothing
    return reply_ok();
}

json Settings::query_capabilities() const {
    json out = json::array();
    Capabilities copy = caps_;
    for (auto name : kQemuCapabilities) {
        if (name == "compress") continue;  // removed from QEMU 9.1; accepted off for old clients only
        const bool* field = capability_field(copy, name);
        out.push_back({{"capability", name}, {"state", field ? *field : false}});
    }
    return out;
}

device::Outcome Settings::set_parameters(const json& arguments, bool busy) {
    if (!arguments.is_object()) return reply_error(generic_error("Invalid parameter type, expected: object"));
    // Our bounds are read when a migration starts; changing them under a running one would silently not apply.
    if (busy && !arguments.empty())
        return reply_error(generic_error(std::string(kMigrationInProgress) +
                                         ": x- parameters apply when a migration starts"));
    Parameters next = params_;
    for (const auto& [name, value] : arguments.items()) {
        long long v = 0;
        std::optional<std::string> error;
        if (name == "x-wait-unplug-timeout" || name == "x-cancel-unplug-timeout" || name == "x-vm-started-timeout" ||
            name == "x-incoming-stall-timeout") {
            error = check_integer(value, name, kMinTimeoutMs, kMaxTimeoutMs, "milliseconds", v);
            if (!error) {
                Millis& field = name == "x-wait-unplug-timeout"     ? next.wait_unplug_timeout
                                : name == "x-cancel-unplug-timeout" ? next.cancel_unplug_timeout
                                : name == "x-vm-started-timeout"    ? next.vm_started_timeout
                                                                    : next.incoming_stall_timeout;
                field = Millis{v};
            }
        } else if (name == "x-active-time") {
            error = check_integer(value, name, 0, kMaxTimeoutMs, "milliseconds", v);
            if (!error) next.active_time = Millis{v};
        } else if (name == "x-wait-unplug-policy") {
            if (value == "fail") next.wait_unplug_policy = WaitUnplugPolicy::Fail;
            else if (value == "surprise-removal") next.wait_unplug_policy = WaitUnplugPolicy::SurpriseRemoval;
            else error = expects(name, "'fail' or 'surprise-removal'");
        } else if (name == "x-netpass-max-frames") {
            error = check_integer(value, name, 1, static_cast<long long>(kMaxNetpassFrames), "", v);
            if (!error) next.netpass_max_frames = static_cast<std::size_t>(v);
        } else if (name == "x-netpass-max-bytes") {
            error = check_integer(value, name, static_cast<long long>(kNetpassMaxFrameBytes),
                                  static_cast<long long>(kMaxNetpassBytes), "bytes", v);
            if (!error) next.netpass_max_bytes = static_cast<std::size_t>(v);
        } else {
            error = "Parameter '" + name + "' is unexpected";
        }
        if (error) return reply_error(generic_error(*error));
    }
    params_ = next;  // all or nothing
    return reply_ok();
}

json Settings::query_parameters() const {
    return {
        {"x-wait-unplug-timeout", params_.wait_unplug_timeout.count()},
        {"x-wait-unplug-policy", to_string(params_.wait_unplug_policy)},
        {"x-cancel-unplug-timeout", params_.cancel_unplug_timeout.count()},
        {"x-vm-started-timeout", params_.vm_started_timeout.count()},
        {"x-incoming-stall-timeout", params_.incoming_stall_timeout.count()},
        {"x-active-time", params_.active_time.count()},
        {"x-netpass-max-frames", params_.netpass_max_frames},
        {"x-netpass-max-bytes", params_.netpass_max_bytes},
    };
}

}  // namespace nf::migration
