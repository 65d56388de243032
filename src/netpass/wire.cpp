#include "netpass/wire.h"

#include <algorithm>

namespace nf::netpass {

namespace {

std::size_t limit_of(MessageType type) {
    return type == MessageType::Frame ? kMaxFramePayload : kMaxControlPayload;
}

bool known(std::uint8_t type) { return type >= 1 && type <= 4; }

}  // namespace

const char* to_string(MessageType type) {
    switch (type) {
        case MessageType::Hello: return "HELLO";
        case MessageType::Frame: return "FRAME";
        case MessageType::End: return "END";
        case MessageType::Abort: return "ABORT";
    }
    return "?";
}

nlohmann::json Message::json() const {
    auto j = nlohmann::json::parse(payload.begin(), payload.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        throw ProtocolError(std::string(to_string(type)) + " payload is not a JSON object");
    return j;
}

std::vector<std::uint8_t> encode(MessageType type, std::span<const std::uint8_t> payload) {
    if (payload.size() > limit_of(type))
        throw ProtocolError(std::string(to_string(type)) + " payload of " + std::to_string(payload.size()) +
                            " bytes is over the limit of " + std::to_string(limit_of(type)));
    std::vector<std::uint8_t> out(kHeaderSize + payload.size());
    const auto n = static_cast<std::uint32_t>(payload.size());
    out[0] = 'N';
    out[1] = 'P';
    out[2] = kVersion;
    out[3] = static_cast<std::uint8_t>(type);
    out[4] = static_cast<std::uint8_t>(n >> 24);
    out[5] = static_cast<std::uint8_t>(n >> 16);
    out[6] = static_cast<std::uint8_t>(n >> 8);
    out[7] = static_cast<std::uint8_t>(n);
    std::ranges::copy(payload, out.begin() + kHeaderSize);
    return out;
}

std::vector<std::uint8_t> encode_json(MessageType type, const nlohmann::json& object) {
    const std::string text = object.dump();
    return encode(type, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

void Decoder::feed(std::span<const std::uint8_t> bytes) {
    if (failed_) throw ProtocolError("netpass peer: decoder already failed");
    if (bytes.size() > kMaxFeed) throw ProtocolError("netpass peer: more than " + std::to_string(kMaxFeed) + " bytes fed at once");
    if (start_ > 0 && start_ == buffer_.size()) {
        buffer_.clear();
        start_ = 0;
    }
    if (buffered() + bytes.size() > kHeaderSize + kMaxFramePayload + kMaxFeed) {
        failed_ = true;
        throw ProtocolError("netpass peer: input not drained (over the decoder's bound)");
    }
    if (start_ > kMaxFeed) {  // compact: keep the buffer proportional to one message
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
        start_ = 0;
    }
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

std::optional<Message> Decoder::next() {
    if (failed_) throw ProtocolError("netpass peer: decoder already failed");
    if (buffered() < kHeaderSize) return std::nullopt;
    const std::uint8_t* h = buffer_.data() + start_;
    const auto fail = [&](const std::string& why) {
        failed_ = true;
        throw ProtocolError("netpass peer: " + why);
    };
    if (h[0] != 'N' || h[1] != 'P') fail("bad magic (not a failover-netpass peer)");
    if (h[2] != kVersion) fail("protocol version " + std::to_string(h[2]) + ", expected " + std::to_string(kVersion));
    if (!known(h[3])) fail("unknown message type " + std::to_string(h[3]));
    const auto type = static_cast<MessageType>(h[3]);
    const std::size_t n = (std::size_t{h[4]} << 24) | (std::size_t{h[5]} << 16) | (std::size_t{h[6]} << 8) | h[7];
    if (n > limit_of(type))
        fail(std::string(to_string(type)) + " of " + std::to_string(n) + " bytes is over the limit of " +
             std::to_string(limit_of(type)));
    if (type == MessageType::Frame && n == 0) fail("empty FRAME");
    if (buffered() < kHeaderSize + n) return std::nullopt;
    Message m;
    m.type = type;
    m.payload.assign(h + kHeaderSize, h + kHeaderSize + n);
    start_ += kHeaderSize + n;
    return m;
}

}  // namespace nf::netpass
