#pragma once
// "The primary is leaving": the kernel removes a device that hangs under the primary's own parent device
// (its PCI function) before the driver unregisters the netdev. A VF driver's remove() tears its auxiliary
// devices down first and stops sending at once: e1000e_remove removes its PTP clock (ptpN under the PCI
// device, a `remove` uevent), then sets __E1000_DOWN, from which every frame it is given is dropped, and
// only then unregisters the netdev (~70 ms later in a TCG guest) — the first thing rtnetlink shows. The
// uevent is the earliest signal that the primary is going; failoverd moves TX off it then (tests/vm).
//
// OS-free: the caller reads the parent's DEVPATH from sysfs (PciSysfs::devpath) and hands in the uevent's
// action and DEVPATH.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "failover/netdev.h"

namespace nf::daemon {

// How long a primary announced as leaving is kept out of the active role when it does not go: a driver
// whose remove() takes longer than this still loses the frames it drops, and a false alarm (a driver that
// recreates its PTP clock on a reset) costs at most this long on the standby.
inline constexpr std::chrono::seconds kPrimaryLeaveBound{5};

struct PrimaryDevice {
    std::string parent_devpath;  // "/devices/pci0000:00/0000:00:02.0/0000:01:00.0"; empty: not watched
};

// True for the removal of a device strictly under the parent that is not a netdev (the primary's own, or
// another of the function) nor a wakeup source, nor anything under those. A DEVPATH is canonical
// (os::parse_uevent refuses "..", "." and empty components), so prefixes compare paths.
bool announces_primary_leaving(const PrimaryDevice& primary, std::string_view action, std::string_view devpath);

// The bookkeeping around that decision: which primary was announced, until when it is kept out, what was
// counted. The daemon begins the core's removal when on_uevent() says so and asks expire() at deadline().
class PrimaryLeaveWatch {
public:
    using Clock = std::chrono::steady_clock;
    explicit PrimaryLeaveWatch(Clock::duration bound = kPrimaryLeaveBound) : bound_(bound) {}

    // One uevent, with the primary enslaved now (its device: nullopt when there is none or its parent is
    // unknown) and whether its removal is already under way (an earlier uevent, the device channel's eject).
    // True: the primary is leaving now; begin its removal. Counted in announced().
    bool on_uevent(const std::optional<PrimaryDevice>& device, failover::NetdevKey primary, bool already_leaving,
                   std::string_view action, std::string_view devpath, Clock::time_point now);
    // When expire() is due; nullopt when nothing is announced.
    std::optional<Clock::time_point> deadline() const { return deadline_; }
    // At deadline(), with the primary enslaved now (nullopt: gone) and whether its removal is still under way.
    // True when the primary announced is still there, still kept out: it may be active again (the caller
    // cancels the removal and warns). Counted in expired().
    bool expire(std::optional<failover::NetdevKey> primary_now, bool still_leaving);

    std::uint64_t announced() const { return announced_; }
    std::uint64_t expired() const { return expired_; }

private:
    Clock::duration bound_;
    std::optional<failover::NetdevKey> leaving_;
    std::optional<Clock::time_point> deadline_;
    std::uint64_t announced_ = 0;
    std::uint64_t expired_ = 0;
};

}  // namespace nf::daemon
