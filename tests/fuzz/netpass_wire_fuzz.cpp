// libFuzzer: host netpass's peer protocol decoder (src/netpass/wire.h), fed in chunks whose size comes from
// the input. Every decoded message must re-encode to exactly the bytes it came from, the decoder's buffer
// stays within its bound, and garbage ends in ProtocolError (never a crash, never an unbounded buffer).
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdlib>
#include <vector>

#include "netpass/wire.h"

using namespace nf::netpass;

namespace {
void check(bool ok) {
    if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const std::size_t chunk = 1 + data[0] % 31;
    const std::uint8_t* in = data + 1;
    const std::size_t n = size - 1;
    Decoder decoder;
    std::vector<std::uint8_t> reencoded;
    std::size_t fed = 0;
    try {
        for (std::size_t at = 0; at < n; at += chunk) {
            const std::size_t len = std::min(chunk, n - at);
            decoder.feed(std::span(in + at, len));
            fed += len;
            while (auto m = decoder.next()) {
                const auto bytes = encode(m->type, m->payload);
                reencoded.insert(reencoded.end(), bytes.begin(), bytes.end());
                if (m->type != MessageType::Frame) {
                    try {
                        (void)m->json();
                    } catch (const ProtocolError&) {
                    }
                }
            }
            check(decoder.buffered() <= kHeaderSize + kMaxFramePayload + Decoder::kMaxFeed);
        }
        check(reencoded.size() + decoder.buffered() == fed);
        check(std::equal(reencoded.begin(), reencoded.end(), in));
    } catch (const ProtocolError&) {
        // Garbage: the connection would be closed and nothing from it injected.
    }
    return 0;
}
