#pragma once
// The configuration section: the capabilities that must be equal on both sides (return-path, netpass), as
// QEMU validates them through its configuration section; a mismatch fails the load (scenario 32).
#include <optional>
#include <string>
#include <variant>

#include "migration/bytes.h"
#include "migration/settings.h"

namespace nf::migration {

Bytes encode_config(const Capabilities& caps);
// The source's capabilities, or an error for a malformed payload.
std::variant<Capabilities, std::string> decode_config(ByteView payload) noexcept;
// nullopt when the destination's capabilities match the source's; else QEMU's text for the first mismatch:
// "Capability netpass is off, but received capability is on".
std::optional<std::string> check_config(const Capabilities& local, const Capabilities& received);

}  // namespace nf::migration
