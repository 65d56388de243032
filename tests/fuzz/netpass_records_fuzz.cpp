// libFuzzer: netpass records ([be32 payload length][be32 vnet-header length][payload]) as a destination
// decodes them, within limits from the input; the decoded frames re-encode to a prefix of the input. Then
// the destination's ordering helper and the source cache take the frames.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "migration/netpass_cache.h"
#include "migration/netpass_ordering.h"
#include "migration/netpass_records.h"

using namespace nf::migration;

namespace {
void check(bool ok) {
    if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const NetpassDecodeLimits limits{std::size_t{1} + data[0] % 64, std::size_t{64} + std::size_t{data[1]} * 512};
    const ByteView input(reinterpret_cast<const std::byte*>(data) + 2, size - 2);

    const DecodedNetpass decoded = decode_records(input, limits);
    check(decoded.frames.size() <= limits.max_frames);
    std::size_t total = 0;
    for (const auto& f : decoded.frames) {
        check(f.vnet_header_length <= f.bytes.size());
        check(f.bytes.size() - f.vnet_header_length >= kEthernetHeaderSize);
        total += f.bytes.size();
    }
    check(total <= limits.max_bytes);
    const Bytes again = encode_records(decoded.frames);
    check(again.size() <= input.size());
    check(std::equal(again.begin(), again.end(), input.begin()));
    if (decoded.error.empty()) check(again.size() == input.size());

    NetpassOrdering ordering({8, 1 << 16});
    ordering.hold();
    for (const auto& f : decoded.frames) check(ordering.arrived(f).empty());
    const auto out = ordering.inject(decoded.frames);
    check(out.size() == decoded.frames.size() + ordering.counters().held);

    NetpassCache cache({8, 1 << 16});
    cache.start();
    for (const auto& f : decoded.frames) cache.keep(f.bytes, f.vnet_header_length);
    const auto c = cache.counters();
    check(c.kept + c.dropped == decoded.frames.size());
    (void)cache.take_tail(4096);
    return 0;
}
