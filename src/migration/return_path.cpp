#include "migration/return_path.h"

#include <algorithm>
#include <cstdio>

namespace nf::migration {

namespace {
// QEMU's message names for the types it defines (migration.c rp_cmd_args), so errors read like QEMU's.
const char* qemu_name(std::uint16_t type) {
    switch (type) {
    case 1: return "SHUT";
    case 2: return "PONG";
    case 3: return "REQ_PAGES_ID";
    case 4: return "REQ_PAGES";
    case 5: return "RECV_BITMAP";
    case 6: return "RESUME_ACK";
    case 7: return "SWITCHOVER_ACK";
    case 8: return "VM_STARTED";
    default: return nullptr;
    }
}

std::size_t expected_length(std::uint16_t type) { return type == 8 ? 0 : 4; }
}  // namespace

std::string_view to_string(ReturnPathType type) { return qemu_name(static_cast<std::uint16_t>(type)); }

Bytes encode(const ReturnPathMessage& message) {
    Bytes out;
    const auto type = static_cast<std::uint16_t>(message.type);
    put_be16(out, type);
    put_be16(out, static_cast<std::uint16_t>(expected_length(type)));
    if (message.type != ReturnPathType::VmStarted) put_be32(out, message.value);
    return out;
}

Bytes encode_shut(std::uint32_t status) { return encode({ReturnPathType::Shut, status}); }
Bytes encode_pong(std::uint32_t value) { return encode({ReturnPathType::Pong, value}); }
Bytes encode_vm_started() { return encode({ReturnPathType::VmStarted, 0}); }

ReturnPathDecoder::Step ReturnPathDecoder::fail(std::string message, std::size_t consumed) noexcept {
    error_ = std::move(message);
    partial_.clear();
    return {Step::Kind::Error, consumed, std::nullopt, error_};
}

ReturnPathDecoder::Step ReturnPathDecoder::next(ByteView input) noexcept {
    if (failed()) return {Step::Kind::Error, 0, std::nullopt, error_};
    try {
        std::size_t used = 0;
        // Header first; its type fixes the payload length, so at most 8 bytes are ever buffered.
        std::size_t want = kReturnPathHeaderSize;
        if (partial_.size() >= kReturnPathHeaderSize) want += get_be16(partial_, 2);
        while (true) {
            const std::size_t take = std::min(want - partial_.size(), input.size() - used);
            partial_.insert(partial_.end(), input.begin() + static_cast<std::ptrdiff_t>(used),
                            input.begin() + static_cast<std::ptrdiff_t>(used + take));
            used += take;
            if (partial_.size() < want) return {Step::Kind::NeedMore, used, std::nullopt, {}};
            if (want == kReturnPathHeaderSize) {
                const std::uint16_t type = get_be16(partial_, 0);
                const std::uint16_t length = get_be16(partial_, 2);
                const char* name = qemu_name(type);
                if (!name) return fail("unknown return-path message type " + std::to_string(type), used);
                if (type >= 3 && type <= 7)
                    return fail(std::string("return-path message ") + name + " (" + std::to_string(type) +
                                    ") is not supported by failover-vmm (postcopy and switchover-ack are off)",
                                used);
                if (length != expected_length(type)) {
                    char text[160];
                    std::snprintf(text, sizeof text, "Received '%s' message (0x%04x) with incorrect length %u expecting %zu",
                                  name, static_cast<unsigned>(type), static_cast<unsigned>(length), expected_length(type));
                    return fail(text, used);
                }
                want += length;
                if (length != 0) continue;
            }
            ReturnPathMessage message{static_cast<ReturnPathType>(get_be16(partial_, 0)), 0};
            if (message.type != ReturnPathType::VmStarted) message.value = get_be32(partial_, kReturnPathHeaderSize);
            partial_.clear();
            return {Step::Kind::Message, used, message, {}};
        }
    } catch (const std::exception& e) {
        return fail(std::string("return-path decoder: ") + e.what(), input.size());
    }
}

}  // namespace nf::migration
