// rtnetlink link messages as the kernel would hand them to the link monitor: any RTM_NEWLINK/RTM_DELLINK
// body (ifinfomsg + attributes) decodes to a LinkInfo or a SystemError(EBADMSG), never a crash.
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common/error.h"
#include "os/link_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < sizeof(nlmsghdr) || size > 65536) return 0;
    // libnl's receive loop only passes on messages that fit what was read (nlmsg_ok): the length is the
    // datagram's. The type is one of the two the monitor decodes; everything after it is the fuzzer's.
    std::vector<std::uint8_t> buffer(data, data + size);
    auto* hdr = reinterpret_cast<nlmsghdr*>(buffer.data());
    hdr->nlmsg_len = static_cast<std::uint32_t>(size);
    hdr->nlmsg_type = (hdr->nlmsg_type & 1) ? RTM_DELLINK : RTM_NEWLINK;
    nl_msg* msg = nlmsg_convert(hdr);
    if (!msg) return 0;
    nlmsg_set_proto(msg, NETLINK_ROUTE);
    try {
        const nf::os::LinkInfo info = nf::os::detail::decode_link(msg);
        (void)info;
    } catch (const nf::SystemError&) {
    }
    nlmsg_free(msg);
    return 0;
}
