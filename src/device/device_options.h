#pragma once
// device_add arguments, checked and typed. A hidden primary is kept as these options until it is plugged
// (QEMU's primary_opts), so they are a value type that can be stored and replayed.
#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>

#include "common/mac_address.h"
#include "device/driver_catalog.h"
#include "device/outcome.h"

namespace nf::device {

// Raised inside the model for a request it refuses; the command boundary turns it into an error reply.
class CommandFailure : public std::runtime_error {
public:
    explicit CommandFailure(CommandError error) : std::runtime_error(error.desc), error_(std::move(error)) {}
    const CommandError& error() const { return error_; }

private:
    CommandError error_;
};

struct PciAddress {
    int slot = 0;
    int function = 0;
};

struct DeviceOptions {
    const DriverInfo* driver = nullptr;
    std::optional<std::string> id;
    std::optional<std::string> bus;
    std::optional<PciAddress> addr;
    bool multifunction = false;
    std::optional<MacAddress> mac;
    bool failover = false;  // virtio-net-pci only: offer STANDBY
    std::optional<std::string> failover_pair_id;
    nlohmann::json raw;  // the arguments as given, for qom-get and for replay

    std::string display_id() const { return id.value_or(""); }
};

// What QEMU's qdev_device_add reads before any property: the driver (present, a string, a known model),
// and the raw "id", "bus" and "failover_pair_id" the bus lookup and the hiding hooks look at. Property types
// and values are checked later, so their errors come after the bus and failover ones, as in QEMU.
struct DeviceHead {
    const DriverInfo* driver = nullptr;
    std::optional<std::string> bus;   // only when a string (a wrong type is a property error, later)
    bool has_id = false;
    bool has_failover_pair_id = false;
    std::optional<std::string> failover_pair_id;  // only when a string
};
DeviceHead parse_device_head(const nlohmann::json& arguments);

// Parses device_add arguments (or a command-line -device given as JSON). Throws CommandFailure with
// QEMU-like messages: missing driver, unknown model, unknown property, bad value.
DeviceOptions parse_device_options(const nlohmann::json& arguments);

}  // namespace nf::device
