// The traffic stream's datagram: any bytes decode to a header or a DecodeError; a header re-encodes to the
// same header.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "lab/traffic/wire.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace nf::lab;
    const auto result = decode(std::span(reinterpret_cast<const std::byte*>(data), size));
    if (!result.header) {
        (void)to_string(result.error);
        return 0;
    }
    std::vector<std::byte> out(PacketHeader::kSize);
    encode(*result.header, out);
    const auto again = decode(out);
    if (!again.header || !(*again.header == *result.header)) std::abort();
    return 0;
}
