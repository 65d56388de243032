// The guest device channel, both directions: any line decodes to a message or a ProtocolError; a decoded
// message encodes and decodes back to itself (the wire form loses nothing, e.g. feature bit 62).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "device/channel_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace nf::device::channel;
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    try {
        const Message message = decode(line);
        if (!(decode(encode(message)) == message)) std::abort();
    } catch (const ProtocolError&) {
    }
    return 0;
}
