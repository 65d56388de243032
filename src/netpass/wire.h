#pragma once
// The framed protocol between the source and destination halves of host netpass (one TCP connection,
// source → destination). Every message: 'N' 'P' version type be32(payload length) payload.
//   HELLO  JSON {"session": "<token both halves were given>"}   first message, exactly once
//   FRAME  one Ethernet frame kept on the source tap, in the order the bridge sent them
//   END    JSON counters of the source: no frame follows (forwarding window over)
//   ABORT  JSON {"reason": "..."}: drop what was received, inject nothing
// Garbage (bad magic/version/type, a payload over its type's limit, JSON that is not an object) is an error
// that ends the connection; nothing received from that peer is injected.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace nf::netpass {

enum class MessageType : std::uint8_t { Hello = 1, Frame = 2, End = 3, Abort = 4 };
const char* to_string(MessageType type);

inline constexpr std::size_t kHeaderSize = 8;
inline constexpr std::uint8_t kVersion = 1;
inline constexpr std::size_t kMaxFramePayload = 16384;   // NP_MAX_FRAME
inline constexpr std::size_t kMaxControlPayload = 4096;  // HELLO / END / ABORT JSON

class ProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Message {
    MessageType type = MessageType::Frame;
    std::vector<std::uint8_t> payload;
    // HELLO / END / ABORT: the payload as a JSON object (throws ProtocolError).
    nlohmann::json json() const;
};

// Throws ProtocolError when the payload is over its type's limit.
std::vector<std::uint8_t> encode(MessageType type, std::span<const std::uint8_t> payload);
std::vector<std::uint8_t> encode_json(MessageType type, const nlohmann::json& object);

// Incremental decoder: feed() what the socket gave, then next() until nullopt. Holds at most one message
// plus one read's worth of bytes (the caller feeds at most kMaxFeed at a time and drains with next()).
class Decoder {
public:
    static constexpr std::size_t kMaxFeed = 65536;
    // Throws ProtocolError when more than kMaxFeed is fed at once or the buffer would exceed its bound.
    void feed(std::span<const std::uint8_t> bytes);
    // The next complete message; throws ProtocolError on garbage (the decoder is then unusable).
    std::optional<Message> next();
    std::size_t buffered() const { return buffer_.size() - start_; }

private:
    std::vector<std::uint8_t> buffer_;
    std::size_t start_ = 0;
    bool failed_ = false;
};

}  // namespace nf::netpass
