#pragma once
// A device's save/restore record (Firecracker's persist split): each device kind encodes its own migrating
// state beside its model (standby_persist.h for virtio-net standbys); the migration core moves records as
// opaque bytes and never reaches into devices.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace nf::device {

struct DeviceRecord {
    std::string id;       // the device id on both machines (QEMU matches sections by instance id)
    std::string kind;     // "virtio-net-standby", ...
    std::uint32_t version = 0;
    std::vector<std::byte> data;
    bool operator==(const DeviceRecord&) const = default;
};

}  // namespace nf::device
