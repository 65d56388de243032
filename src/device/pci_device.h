#pragma once
// A realized PCI device (one that query-pci lists), with the hotplug flags failover needs (spec §1.5, §6.2).
#include <string>

#include "device/device_options.h"

namespace nf::device {

// Primary states of spec §6.2. Absent and Hidden have no realized device; the rest do.
enum class PrimaryState { Absent, Hidden, Plugged, UnplugPending, GuestEjected };
std::string to_string(PrimaryState state);

struct PciDevice {
    DeviceOptions options;
    std::string id;     // qdev id; for a device added without one, a generated "device[N]"
    bool anonymous = false;
    std::string bus;
    PciAddress addr;
    // device_del asked the guest to eject; removal completes on the guest's ack.
    bool delete_requested = false;
    // Migration unplug (QEMU's partially_hotplugged / pending_deleted_event): the guest is asked to eject but
    // the device stays realized so it can be re-plugged if the migration fails.
    bool partially_hotplugged = false;
    bool pending_deleted_event = false;

    bool is_primary() const { return options.failover_pair_id.has_value(); }
    bool is_virtio_net() const { return options.driver->virtio_net; }
    std::string qom_path() const {
        return anonymous ? "/machine/peripheral-anon/" + id : "/machine/peripheral/" + id;
    }
};

}  // namespace nf::device
