#pragma once
// The kernel's uevent messages (NETLINK_KOBJECT_UEVENT), decoded without the OS: "ACTION@DEVPATH\0" then
// "KEY=VALUE\0" pairs (lib/kobject_uevent.c). Outside input: anything that is not exactly that shape is
// refused with a reason, never half-read.
//
// Hand-written because no Debian library reads kernel uevents without udevd: libudev's monitor
// (udev_monitor_new_from_netlink "kernel") parses them, but it is libudev's, tied to the udev database
// and rules directory, and a real guest (tests/vm) has no udevd; sd-device is systemd-internal. udevd
// rebroadcasts its own binary format ("libudev\0" + a magic header), which is refused here.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nf::os {

// The kernel's buffer is UEVENT_BUFFER_SIZE (2048) with at most UEVENT_NUM_ENVP (64) variables; these
// limits leave room above both, and everything larger is refused.
inline constexpr std::size_t kMaxUeventBytes = 8192;
inline constexpr std::size_t kMaxUeventVariables = 128;

struct UeventMessage {
    std::string action;   // "add", "remove", "change", "move", "online", "offline", "bind", "unbind"
    std::string devpath;  // sysfs path below /sys, e.g. "/devices/pci0000:00/0000:00:02.0/ptp/ptp0"
    std::vector<std::pair<std::string, std::string>> variables;  // in order, ACTION/DEVPATH included
    // The value of `key`; nullopt when the message has none.
    std::optional<std::string_view> value(std::string_view key) const;
};

enum class UeventRefusal {
    none,
    empty,
    oversized,          // over kMaxUeventBytes
    from_udev,          // udevd's rebroadcast ("libudev\0..."): not the kernel's
    no_terminator,      // the last string is not NUL-terminated (truncated)
    bad_header,         // not "ACTION@DEVPATH"
    bad_devpath,        // not absolute, or with an empty, "." or ".." component
    bad_variable,       // a string without '=' or with an empty key
    too_many_variables, // over kMaxUeventVariables
    mismatch,           // ACTION= / DEVPATH= disagree with the header
};
const char* to_string(UeventRefusal refusal);

struct UeventParse {
    std::optional<UeventMessage> message;
    UeventRefusal refusal = UeventRefusal::none;  // none exactly when message is set
};

// One datagram, as read from the socket.
UeventParse parse_uevent(std::string_view datagram);

}  // namespace nf::os
