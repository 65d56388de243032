#include "migration/outcome.h"

#include "migration/netpass_records.h"

namespace nf::migration {

std::string_view to_string(Timer timer) {
    switch (timer) {
    case Timer::WaitUnplug: return "wait-unplug";
    case Timer::CancelUnplug: return "cancel-unplug";
    case Timer::ActiveTime: return "active-time";
    case Timer::VmStarted: return "vm-started";
    case Timer::IncomingStall: return "incoming-stall";
    }
    return "unknown";
}

namespace {
struct ActionPrinter {
    std::string operator()(const ArmTimer& a) const {
        return "arm timer " + std::string(to_string(a.timer)) + " for " + std::to_string(a.after.count()) + " ms";
    }
    std::string operator()(const CancelTimer& a) const { return "cancel timer " + std::string(to_string(a.timer)); }
    std::string operator()(const WriteStream& a) const { return "write " + std::to_string(a.bytes.size()) + " stream bytes"; }
    std::string operator()(const CloseStream&) const { return "close stream"; }
    std::string operator()(const WriteReturnPath& a) const {
        return "write " + std::to_string(a.bytes.size()) + " return-path bytes";
    }
    std::string operator()(const NetpassStartCapture&) const { return "netpass: start capture"; }
    std::string operator()(const NetpassSend&) const { return "netpass: send cache + EOF"; }
    std::string operator()(const NetpassReturnToGuest&) const { return "netpass: return cache to source guest"; }
    std::string operator()(const NetpassHold&) const { return "netpass: hold own frames"; }
    std::string operator()(const NetpassInject& a) const {
        return "netpass: inject " + std::to_string(a.frames.size()) + " frames, then held ones";
    }
    std::string operator()(const NetpassRelease&) const { return "netpass: release held frames"; }
    std::string operator()(const NetpassEnd&) const { return "netpass: end"; }
    std::string operator()(const Announce&) const { return "announce"; }
    std::string operator()(const DeviceAction& a) const { return "device: " + device::to_string(a.action); }
};
}  // namespace

std::string to_string(const Action& action) { return std::visit(ActionPrinter{}, action); }

void Outcome::absorb(device::Outcome&& device_outcome) {
    for (auto& event : device_outcome.events) events.push_back(std::move(event));
    for (auto& action : device_outcome.actions) actions.push_back(DeviceAction{std::move(action)});
    for (auto& warning : device_outcome.warnings) warnings.push_back(std::move(warning));
}

}  // namespace nf::migration
