#include "vmm/root_port.h"

#include <charconv>

#include "common/error.h"
#include "device/bus.h"

namespace nf::vmm {

void take_root_port(const nlohmann::json& item, int root_ports, std::map<std::string, int>& slots) {
    const auto text = [&](const char* key) -> std::string {
        const auto it = item.find(key);
        return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    for (const auto& [key, value] : item.items())
        if (key != "driver" && key != "id" && key != "slot" && key != "chassis" && key != "bus")
            throw ConfigError(std::string(kRootPortDriver) + ": property '" + key +
                              "' is not supported (id=rootN,slot=N; the lab machine fixes the rest)");
    if (item.contains("bus") && text("bus") != "pcie.0")
        throw ConfigError(std::string(kRootPortDriver) + ": bus '" + text("bus") + "': the lab's root ports sit on pcie.0");
    const std::string id = text("id");
    bool known = false;
    for (int i = 0; i < root_ports; ++i) known = known || id == "root" + std::to_string(i);
    if (!known)
        throw ConfigError(std::string(kRootPortDriver) + ": id '" + id + "': one of the lab machine's root ports root0..root" +
                          std::to_string(root_ports - 1));
    const std::string value = text("slot");
    int slot = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), slot);
    if (value.empty() || ec != std::errc() || end != value.data() + value.size() || slot < 1 ||
        slot > device::kMaxPhysicalSlot)
        throw ConfigError(std::string(kRootPortDriver) + " " + id + ": slot '" + value + "': a decimal 1.." +
                          std::to_string(device::kMaxPhysicalSlot));
    if (slots.contains(id)) throw ConfigError(std::string(kRootPortDriver) + " " + id + " is given twice");
    for (const auto& [other, taken] : slots)
        if (taken == slot)
            throw ConfigError(std::string(kRootPortDriver) + " " + id + ": slot " + value + " is " + other + "'s already");
    slots[id] = slot;
}

}  // namespace nf::vmm
