#pragma once
// A device record inside a stream section: u8 id length | id | u8 kind length | kind | be32 version | data.
#include <string>
#include <variant>

#include "device/persist.h"
#include "migration/bytes.h"

namespace nf::migration {

Bytes encode_device_section(const device::DeviceRecord& record);  // the section payload
std::variant<device::DeviceRecord, std::string> decode_device_section(ByteView payload) noexcept;

}  // namespace nf::migration
