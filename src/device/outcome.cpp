#include "device/outcome.h"

#include <iterator>

namespace nf::device {

CommandError generic_error(std::string desc) { return {"GenericError", std::move(desc)}; }
CommandError device_not_found(std::string desc) { return {"DeviceNotFound", std::move(desc)}; }

namespace {
const char* mode_name(RemovalMode mode) { return mode == RemovalMode::Orderly ? "orderly" : "surprise"; }

struct ActionPrinter {
    std::string operator()(const PlugPrimary& a) const { return "plug primary " + a.id; }
    std::string operator()(const UnplugPrimary& a) const {
        return "unplug primary " + a.id + " (" + mode_name(a.mode) + ")";
    }
    std::string operator()(const PlugStandby& a) const { return "plug standby " + a.id; }
    std::string operator()(const UnplugStandby& a) const {
        return "unplug standby " + a.id + " (" + mode_name(a.mode) + ")";
    }
    std::string operator()(const RequestEject& a) const { return "request guest eject " + a.id; }
    std::string operator()(const CancelEject& a) const { return "cancel guest eject " + a.id; }
    std::string operator()(const SetStandbyCarrier& a) const {
        return std::string("standby carrier ") + (a.up ? "on " : "off ") + a.id;
    }
    std::string operator()(const PauseGuest&) const { return "pause guest"; }
    std::string operator()(const ResumeGuest&) const { return "resume guest"; }
};
}  // namespace

std::string to_string(const Action& action) { return std::visit(ActionPrinter{}, action); }

void Outcome::merge(Outcome&& other) {
    std::move(other.events.begin(), other.events.end(), std::back_inserter(events));
    std::move(other.actions.begin(), other.actions.end(), std::back_inserter(actions));
    std::move(other.warnings.begin(), other.warnings.end(), std::back_inserter(warnings));
}

Outcome reply_ok(nlohmann::json result) {
    Outcome out;
    out.reply = Reply{std::move(result)};
    return out;
}

Outcome reply_error(CommandError error) {
    Outcome out;
    out.reply = Reply{std::move(error)};
    return out;
}

}  // namespace nf::device
