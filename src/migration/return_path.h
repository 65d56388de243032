#pragma once
// The return path (destination → source) in QEMU's framing: be16 type | be16 length | payload.
// The messages failover needs: SHUT (1, be32: 0 = ok, else error), PONG (2, be32), VM_STARTED (8, empty).
// Other QEMU types (3..7: postcopy and switchover-ack) are refused by name; unknown types and wrong lengths
// are errors. The decoder is incremental, sticky on error, never throws, and buffers at most one message.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "migration/bytes.h"

namespace nf::migration {

enum class ReturnPathType : std::uint16_t { Shut = 1, Pong = 2, VmStarted = 8 };
std::string_view to_string(ReturnPathType type);  // QEMU's names: "SHUT", "PONG", "VM_STARTED"

struct ReturnPathMessage {
    ReturnPathType type;
    std::uint32_t value = 0;  // SHUT's status, PONG's echo; 0 for VM_STARTED
    bool operator==(const ReturnPathMessage&) const = default;
};

inline constexpr std::size_t kReturnPathHeaderSize = 4;

Bytes encode(const ReturnPathMessage& message);
Bytes encode_shut(std::uint32_t status);
Bytes encode_pong(std::uint32_t value);
Bytes encode_vm_started();

class ReturnPathDecoder {
public:
    struct Step {
        enum class Kind { NeedMore, Message, Error } kind = Kind::NeedMore;
        std::size_t consumed = 0;
        std::optional<ReturnPathMessage> message;
        std::string error;
    };

    Step next(ByteView input) noexcept;
    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }

private:
    Step fail(std::string message, std::size_t consumed) noexcept;
    Bytes partial_;  // at most header + 4 payload bytes
    std::string error_;
};

}  // namespace nf::migration
