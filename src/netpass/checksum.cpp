#include "netpass/checksum.h"

#include <cstddef>

#include "common/inet_checksum.h"

namespace nf::netpass {
namespace {

constexpr std::size_t kEthHeader = 14;
constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
constexpr std::uint16_t kEtherTypeIpv6 = 0x86dd;
constexpr std::uint8_t kProtoTcp = 6;
constexpr std::uint8_t kProtoUdp = 17;

std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>(b[at] << 8 | b[at + 1]);
}

std::uint32_t add_bytes(std::uint32_t sum, std::span<const std::uint8_t> bytes) { return inet_checksum_add(sum, bytes); }
std::uint16_t fold(std::uint32_t sum) { return inet_checksum_fold(sum); }

}  // namespace

bool complete_partial_checksum(std::span<std::uint8_t> frame) {
    if (frame.size() < kEthHeader) return false;
    const std::uint16_t ether_type = be16(frame, 12);
    std::uint32_t pseudo = 0;
    std::size_t l4 = 0, l4_len = 0;
    std::uint8_t proto = 0;
    if (ether_type == kEtherTypeIpv4) {
        const std::size_t ip = kEthHeader;
        if (frame.size() < ip + 20 || (frame[ip] >> 4) != 4) return false;
        const std::size_t ihl = static_cast<std::size_t>(frame[ip] & 0x0f) * 4;
        const std::size_t total = be16(frame, ip + 2);
        if (ihl < 20 || total < ihl || frame.size() < ip + total) return false;
        if ((be16(frame, ip + 6) & 0x3fff) != 0) return false;  // a fragment: the checksum spans others
        proto = frame[ip + 9];
        l4 = ip + ihl;
        l4_len = total - ihl;
        pseudo = add_bytes(pseudo, frame.subspan(ip + 12, 8));  // source and destination
    } else if (ether_type == kEtherTypeIpv6) {
        const std::size_t ip = kEthHeader;
        if (frame.size() < ip + 40 || (frame[ip] >> 4) != 6) return false;
        proto = frame[ip + 6];  // the next header: only TCP/UDP right after the fixed header
        l4 = ip + 40;
        l4_len = be16(frame, ip + 4);
        if (frame.size() < l4 + l4_len) return false;
        pseudo = add_bytes(pseudo, frame.subspan(ip + 8, 32));
    } else {
        return false;
    }
    std::size_t check_at = 0;
    if (proto == kProtoUdp && l4_len >= 8) {
        check_at = l4 + 6;
        if (ether_type == kEtherTypeIpv4 && be16(frame, check_at) == 0) return false;  // no checksum: valid
    } else if (proto == kProtoTcp && l4_len >= 20) {
        check_at = l4 + 16;
    } else {
        return false;
    }
    pseudo += proto;
    pseudo += static_cast<std::uint32_t>(l4_len);
    const auto segment = frame.subspan(l4, l4_len);
    if (fold(add_bytes(pseudo, segment)) == 0xffff) return false;  // verifies: complete already
    // CHECKSUM_PARTIAL leaves ~csum_tcpudp_magic(pseudo header, 0) in the field: the folded pseudo sum.
    if (be16(frame, check_at) != fold(pseudo)) return false;
    frame[check_at] = 0;
    frame[check_at + 1] = 0;
    std::uint16_t check = static_cast<std::uint16_t>(~fold(add_bytes(pseudo, segment)));
    if (check == 0 && proto == kProtoUdp) check = 0xffff;  // 0 means "no checksum" for UDP
    frame[check_at] = static_cast<std::uint8_t>(check >> 8);
    frame[check_at + 1] = static_cast<std::uint8_t>(check);
    return true;
}

}  // namespace nf::netpass
