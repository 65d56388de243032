#pragma once
// The few PCI facts the pair-id rules read from sysfs, bounded: every attribute read is one read(2) of
// at most kMaxSysfsAttribute bytes, the slot directory scan stops at kMaxPciSlots entries. A device
// can vanish under us at any point (hot unplug): a missing file, ENODEV or ENOENT mid-read is "not
// there", never an error. The root is a parameter so tests use a fake tree in a temp dir.
//
// Read by PCI address under /sys/bus/pci (not /sys/class/net/X/device, the same directory): sysfs's
// class/net shows the namespace that mounted it, while the slaves may live in failoverd's private one.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace nf::daemon {

inline constexpr std::size_t kMaxSysfsAttribute = 4096;  // one page: what sysfs shows at most
inline constexpr std::size_t kMaxPciSlots = 1024;

class PciSysfs {
public:
    explicit PciSysfs(std::filesystem::path root = "/sys") : root_(std::move(root)) {}

    // "0000:01:00.0" (domain:bus:device.function, hex); anything else (a path, a non-PCI parent) is refused.
    static bool valid_address(const std::string& address);

    // The first line of /sys/bus/pci/devices/<address>/<attribute>, trailing whitespace removed; nullopt
    // when the device or the attribute is not there (or went away), or the address is not valid.
    std::optional<std::string> device_attribute(const std::string& address, const std::string& attribute) const;
    // The device's DEVPATH, as its uevents name it: where /sys/bus/pci/devices/<address> really is, below the
    // root ("/devices/pci0000:00/0000:00:02.0/0000:01:00.0"); nullopt when it is not there (gone, bad address).
    std::optional<std::string> devpath(const std::string& address) const;
    // The hotplug slots: each slot's name and its address ("0000:01:00", no function), sorted by name.
    struct Slot {
        std::string name;
        std::string address;
    };
    std::vector<Slot> slots() const;
    // Reads skipped because the scan limit was reached, for the logs.
    std::size_t slots_skipped() const { return skipped_; }

private:
    std::filesystem::path root_;
    mutable std::size_t skipped_ = 0;
};

// The first line of `file`, bounded as above; nullopt when absent, vanished or unreadable.
std::optional<std::string> read_sysfs_line(const std::filesystem::path& file);

}  // namespace nf::daemon
