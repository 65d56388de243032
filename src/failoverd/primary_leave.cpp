#include "failoverd/primary_leave.h"

#include <utility>

namespace nf::daemon {

namespace {

// `path` is `dir` or lies under it.
bool within(std::string_view path, std::string_view dir) {
    return path.starts_with(dir) && (path.size() == dir.size() || path[dir.size()] == '/');
}

}  // namespace

bool announces_primary_leaving(const PrimaryDevice& primary, std::string_view action, std::string_view devpath) {
    const std::string& parent = primary.parent_devpath;
    if (action != "remove" || parent.size() < 2 || parent.front() != '/' || parent.back() == '/') return false;
    if (!within(devpath, parent) || devpath.size() == parent.size()) return false;  // strictly under
    // Not a sign of a driver's removal: a netdev of the function leaving (the primary moved into failoverd's
    // own namespace, a second port's netdev moved or renamed away; rtnetlink reports netdevs anyway), and a
    // wakeup source, which the kernel removes whenever Wake-on-LAN is turned off (`ethtool -s DEV wol d`,
    // device_set_wakeup_enable in the driver's set_wol).
    for (const std::string_view child : {"/net", "/wakeup"})
        if (within(devpath, parent + std::string(child))) return false;
    return true;
}

bool PrimaryLeaveWatch::on_uevent(const std::optional<PrimaryDevice>& device, failover::NetdevKey primary,
                                  bool already_leaving, std::string_view action, std::string_view devpath,
                                  Clock::time_point now) {
    if (already_leaving || !device || !announces_primary_leaving(*device, action, devpath)) return false;
    ++announced_;
    leaving_ = primary;
    deadline_ = now + bound_;
    return true;
}

bool PrimaryLeaveWatch::expire(std::optional<failover::NetdevKey> primary_now, bool still_leaving) {
    const auto announced = std::exchange(leaving_, std::nullopt);
    deadline_.reset();
    if (!announced || !still_leaving || primary_now != announced) return false;  // it went (or was replaced)
    ++expired_;
    return true;
}

}  // namespace nf::daemon
