#pragma once
// The guest "device channel": how the lab VMM stands in for the PCI/virtio transport between the device
// model and the guest's drivers (failoverd in the VM). One JSON object per line, each with a "type":
//   VMM -> guest: hello, eject_request, eject_cancel, plugged, unplugged
//   guest -> VMM: set_features, driver_ok, reset, eject_ack
// Feature sets travel as hex strings ("0x4000000100018021") because bit 62 does not fit a JSON double.
// Pure encoder/decoder; the socket ends live in src/qmp/.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "device/outcome.h"

namespace nf::device::channel {

inline constexpr int kProtocolVersion = 1;
// A machine has a handful of devices; a hello listing more is refused rather than stored.
inline constexpr std::size_t kMaxHelloDevices = 256;

class ProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

enum class Role { Standby, Primary };

struct DeviceInfo {
    std::string id;
    Role role = Role::Standby;
    std::string mac;
    std::uint64_t features = 0;  // offered features (standby); 0 for a primary
    bool operator==(const DeviceInfo&) const = default;
};

struct Hello { int version = kProtocolVersion; std::vector<DeviceInfo> devices; bool operator==(const Hello&) const = default; };
struct SetFeatures { std::string device; std::uint64_t features = 0; bool operator==(const SetFeatures&) const = default; };
struct DriverOk { std::string device; bool operator==(const DriverOk&) const = default; };
struct Reset { std::string device; bool operator==(const Reset&) const = default; };
struct EjectRequest { std::string device; bool operator==(const EjectRequest&) const = default; };
struct EjectAck { std::string device; bool operator==(const EjectAck&) const = default; };
struct EjectCancel { std::string device; bool operator==(const EjectCancel&) const = default; };
struct Plugged { DeviceInfo device; bool operator==(const Plugged&) const = default; };
struct Unplugged { std::string device; RemovalMode mode = RemovalMode::Orderly; bool operator==(const Unplugged&) const = default; };

using Message = std::variant<Hello, SetFeatures, DriverOk, Reset, EjectRequest, EjectAck, EjectCancel, Plugged, Unplugged>;

// One line, terminated by '\n'.
std::string encode(const Message& message);
// One line (a trailing "\n" or "\r\n" is ignored). Throws ProtocolError naming what is wrong.
Message decode(std::string_view line);

}  // namespace nf::device::channel
