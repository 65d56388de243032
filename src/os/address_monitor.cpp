#include "os/address_monitor.h"

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "os/nl_events.h"

namespace nf::os {
namespace {

struct AddressBatch {
    AddressChanges* out;
    std::uint64_t* malformed;
};

int on_address_message(nl_msg* msg, void* arg) {
    auto* batch = static_cast<AddressBatch*>(arg);
    nlmsghdr* hdr = nlmsg_hdr(msg);
    if (hdr->nlmsg_type != RTM_NEWADDR && hdr->nlmsg_type != RTM_DELADDR) return NL_SKIP;
    if (!nlmsg_valid_hdr(hdr, sizeof(ifaddrmsg))) {
        ++*batch->malformed;
        return NL_SKIP;
    }
    batch->out->ifindexes.insert(static_cast<int>(static_cast<const ifaddrmsg*>(nlmsg_data(hdr))->ifa_index));
    return NL_OK;
}

}  // namespace

// Both families' groups always: without IPv6 (ipv6.disable=1) its group simply stays silent.
AddressMonitor::AddressMonitor(int receive_buffer)
    : sock_(detail::connect_event_socket({RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR}, receive_buffer,
                                         "address monitor")) {}

AddressMonitor AddressMonitor::in(const Netns& netns, int receive_buffer) {
    NetnsScope scope(netns);
    return AddressMonitor(receive_buffer);
}

int AddressMonitor::fd() const { return nl_socket_get_fd(sock_.get()); }

AddressChanges AddressMonitor::drain(std::size_t max_datagrams) {
    AddressChanges out;
    AddressBatch batch{&out, &malformed_};
    detail::drain_events(sock_.get(), on_address_message, &batch, max_datagrams, [&] { out.overrun = true; },
                         "address monitor");
    return out;
}

}  // namespace nf::os
